from bot.slackapi.client import Pacer, TokenBucket


class FakeTime:
    def __init__(self):
        self.t = 0.0

    def clock(self):
        return self.t

    def sleep(self, s):
        self.t += s


def test_bucket_allows_the_burst_then_spaces_calls_at_the_rate():
    ft = FakeTime()
    b = TokenBucket(10, 20, clock=ft.clock, sleep=ft.sleep)
    waits = [b.acquire() for _ in range(40)]
    assert waits[:20] == [0.0] * 20
    assert ft.t == __import__("pytest").approx(2.0)  # 20 more at 10/s


def test_retry_after_drains_the_bucket_for_everyone():
    ft = FakeTime()
    b = TokenBucket(1, 5, clock=ft.clock, sleep=ft.sleep)
    b.drain(3.0)
    assert b.acquire() >= 3.0


def test_empty_limits_mean_no_pacing_not_the_defaults():
    assert Pacer({}).acquire("chat.postMessage") == 0.0
    assert "chat.postMessage" in Pacer().buckets
