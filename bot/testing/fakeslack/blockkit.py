"""Block Kit validation: only the limits that commonly bite, phrased like Slack.

Both functions return Slack's `response_metadata.messages` strings; [] means valid.
"""

from __future__ import annotations

from typing import Any


def validate_blocks(blocks: Any, max_blocks: int, pointer: str) -> list[str]:
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    errors = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    seen_block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        if not isinstance(block, dict) or "type" not in block:
            errors.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_block_ids:
                errors.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
            seen_block_ids.add(block_id)
            if len(str(block_id)) > 255:
                errors.append(
                    f"[ERROR] must be less than 256 characters [json-pointer:{where}/block_id]"
                )
        if block["type"] == "image":
            errors += _image_errors(block, where)
        errors += _element_errors(block, where)
    return errors


def _element_errors(block: dict, where: str) -> list[str]:
    """One block's interactive elements: unique action_ids, Slack's lengths."""
    errors: list[str] = []
    elements = list(block.get("elements") or []) if block["type"] == "actions" else []
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            elements.append(block[key])
    seen_action_ids: set[str] = set()
    for element in elements:
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is None:
            continue
        if action_id in seen_action_ids:
            errors.append(f"[ERROR] duplicate action_id [json-pointer:{where}]")
        seen_action_ids.add(action_id)
        if len(str(action_id)) > 255:
            errors.append(
                f"[ERROR] action_id must be less than 256 characters [json-pointer:{where}]"
            )
        if len(str(element.get("value", ""))) > 2000:
            errors.append(
                f"[ERROR] value must be less than 2001 characters [json-pointer:{where}]"
            )
    return errors


IMAGE_TYPES = ("png", "jpg", "jpeg", "gif")  # what Slack shows from a slack_file


def _image_errors(block: dict, where: str) -> list[str]:
    """An image block: alt_text, and exactly one of image_url or slack_file,
    which itself names the file by exactly one of id or url (both: rejected)."""
    errors = []
    alt = block.get("alt_text")
    if not isinstance(alt, str) or not alt:
        errors.append(f"[ERROR] missing required field: alt_text [json-pointer:{where}]")
    elif len(alt) > 2000:
        errors.append(f"[ERROR] must be less than 2001 characters [json-pointer:{where}/alt_text]")
    has_url, ref = block.get("image_url") is not None, block.get("slack_file")
    if has_url == (ref is not None):
        errors.append(f"[ERROR] must provide either image_url or slack_file [json-pointer:{where}]")
    elif ref is not None and (not isinstance(ref, dict) or ("id" in ref) == ("url" in ref)):
        errors.append(f"[ERROR] invalid slack file [json-pointer:{where}/slack_file]")
    return errors


def slack_file_errors(blocks: Any, pointer: str, usable: Any) -> list[str]:
    """Image blocks whose slack_file Slack can't show: `usable(ref)` says
    whether the file exists, is an image and was shared where its poster
    (the app) and viewers can see it. A file uploaded but shared nowhere is
    private to the uploader, and Slack rejects it ("invalid slack file")."""
    errors = []
    for i, block in enumerate(blocks if isinstance(blocks, list) else []):
        ref = block.get("slack_file") if isinstance(block, dict) else None
        if block.get("type") == "image" and isinstance(ref, dict) and not usable(ref):
            errors.append(f"[ERROR] invalid slack file [json-pointer:{pointer}/{i}/slack_file]")
    return errors


def validate_view(view: Any) -> list[str]:
    """Errors Slack would give for views.open/push/update/publish of `view`."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object [json-pointer:/view]"]
    errors = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.append("[ERROR] must be one of modal, home [json-pointer:/view/type]")
    if kind == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or not title.get("text"):
            errors.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text", "") if isinstance(view.get(key), dict) else ""
            if len(text) > 24:
                errors.append(
                    f"[ERROR] must be less than 25 characters [json-pointer:/view/{key}/text]"
                )
        blocks = view.get("blocks") or []
        if isinstance(blocks, list) and not view.get("submit"):
            if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
                errors.append(
                    "[ERROR] must provide submit property when using input blocks "
                    "[json-pointer:/view/submit]"
                )
    if len(str(view.get("private_metadata") or "")) > 3000:
        errors.append(
            "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
        )
    if len(str(view.get("callback_id") or "")) > 255:
        errors.append("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
    errors += validate_blocks(view.get("blocks", []), 100, "/view/blocks")
    return errors
