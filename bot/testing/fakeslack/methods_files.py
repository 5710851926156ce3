"""files.getUploadURLExternal + files.completeUploadExternal: Slack's two-step upload
(the bytes go to the returned upload_url in between, see FakeSlack.handle_upload)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .api import SlackError, api_method, int_param, json_value
from .blockkit import IMAGE_TYPES

if TYPE_CHECKING:
    from .server import FakeSlack


@api_method("files.getUploadURLExternal")
def _files_get_upload_url(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    if not p.get("filename"):
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: filename"])
    length = int_param(p, "length", 0)
    if length <= 0:
        raise SlackError("invalid_arguments", ["[ERROR] length must be a positive integer"])
    file_id = fake._new_id("F")
    fake._pending_uploads[file_id] = {
        "filename": str(p["filename"]),
        "length": length,
        "alt_txt": p.get("alt_txt"),
        "snippet_type": p.get("snippet_type"),
        "content": None,
    }
    return {"upload_url": f"{fake.base_url}/upload/{file_id}", "file_id": file_id}


@api_method("files.completeUploadExternal")
def _files_complete_upload(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    items = json_value(p.get("files"))
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments", ["[ERROR] files must be a non-empty array"])
    channels = [c for c in str(p.get("channels") or "").split(",") if c]
    if p.get("channel_id"):
        channels.insert(0, str(p["channel_id"]))
    convs = [fake._writable_conv(c, allow_user=False) for c in channels]
    uploads = []
    for item in items:
        pending = fake._pending_uploads.get(str(item.get("id")))
        if pending is None or pending["content"] is None:
            raise SlackError("file_not_found")
        uploads.append((item, pending))
    now = int(time.time())
    results = []
    for item, pending in uploads:
        fid = str(item["id"])
        del fake._pending_uploads[fid]
        url = f"{fake.base_url}/files-pri/{fake.team_id}-{fid}/{pending['filename']}"
        results.append(
            {
                "id": fid,
                "url_private": url,
                "permalink": f"{fake.base_url}/files/{fake.bot_user_id}/{fid}/{pending['filename']}",
                "created": now,
                "timestamp": now,
                "name": pending["filename"],
                "title": item.get("title") or pending["filename"],
                "mimetype": "",
                "filetype": pending["filename"].rpartition(".")[2]
                if "." in pending["filename"]
                else "",
                "user": fake.bot_user_id,
                "size": len(pending["content"]),
                "mode": "hosted",
                "is_external": False,
                "alt_txt": pending["alt_txt"],
                "channels": [c["id"] for c in convs],
                "shares": {},
                "_content": pending["content"],
            }
        )
    # Like Slack, sharing posts one message per conversation carrying the files
    # (its text is the initial_comment). Unshared uploads are recorded with channel None.
    for conv in convs or [None]:
        ts = None
        if conv is not None:
            shared = [{"id": r["id"], "name": r["name"], "title": r["title"]} for r in results]
            text = {"text": p.get("initial_comment") or "", "thread_ts": p.get("thread_ts")}
            ts = fake._store_message(conv["id"], text, files=shared, upload=True)["ts"]
        for r in results:
            fake._files.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "title": r["title"],
                    "url_private": r["url_private"],
                    "permalink": r["permalink"],
                    "alt_txt": r["alt_txt"],
                    "content": r["_content"],
                    "size": r["size"],
                    "channel": conv["id"] if conv else None,
                    "ts": ts,
                    "initial_comment": p.get("initial_comment"),
                    "thread_ts": p.get("thread_ts"),
                }
            )
    for r in results:
        del r["_content"]
    return {"files": results}


def usable_file(fake: FakeSlack, ref: dict[str, Any]) -> bool:
    """Whether an image block's slack_file ({"id"} or {"url": url_private or
    permalink}) names a png/jpg/jpeg/gif this app uploaded and shared into a
    conversation: one uploaded but shared nowhere is private to the uploader,
    and Slack rejects it in blocks. Called under the state lock."""
    for f in fake._files:
        if ref.get("id") not in (None, f["id"]):
            continue
        if ref.get("url") is not None and ref["url"] not in (f.get("url_private"), f.get("permalink")):
            continue
        if f.get("channel") and str(f["name"]).rpartition(".")[2].lower() in IMAGE_TYPES:
            return True
    return False
