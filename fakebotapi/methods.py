"""The Bot API method implementations of the fake (everything but ``getUpdates``)."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from fakebotapi.common import (
    JSON,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_INLINE_RESULTS,
    MAX_MESSAGE_LENGTH,
    as_int,
    bad_request,
    opt_str,
    truthy,
)
from fakebotapi.html import HTMLParseError, parse_html, trim_entities, utf16_len
from fakebotapi.state import (
    CallbackAnswer,
    FakeChat,
    FakeMessage,
    InlineAnswer,
    TelegramState,
    UploadedFile,
)

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_INLINE_BUTTON_ACTIONS: Final = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)

_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")

_NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)

_QUERY_TOO_OLD: Final = "query is too old and response timeout expired or query ID is invalid"


Handler = Callable[[JSON, dict[str, UploadedFile]], Awaitable[Any]]


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return "default"
    kind = str(scope.get("type", "default"))
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"{kind}:{scope.get('chat_id')}:{scope.get('user_id')}"
    return kind


class BotAPIMethods(TelegramState):
    """The Bot API methods the fake implements, as ``async (params, files) -> result`` handlers.

    A handler raises :class:`TelegramAPIError` to answer ``{"ok": false, ...}``; the transport
    (:class:`fakebotapi.FakeTelegram`) decodes requests and records them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the state's arguments, unchanged
        super().__init__(*args, **kwargs)
        methods: dict[str, Handler] = {
            "getMe": self._get_me,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "getFile": self._get_file,
            "close": self._return_true,
            "logOut": self._return_true,
        }
        for name in (
            "setMyDescription",
            "setMyShortDescription",
            "setMyName",
            "setChatMenuButton",
            "setMyDefaultAdministratorRights",
        ):
            methods[name] = self._make_setter(name)
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in methods.items()
        }

    # ---- shared validation -----------------------------------------------------------------------

    def _resolve_chat(self, params: JSON) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat_id = self._lookup_chat_id(raw)
        if chat_id is None:
            raise bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise bad_request("chat not found")
            chat = self._ensure_chat(chat_id, None)
        return chat

    def _format(self, text: str, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                plain, parsed = parse_html(text, strict_ampersand=self.strict_html_ampersand)
            except HTMLParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from exc
        elif mode in ("markdown", "markdownv2"):
            plain, parsed = text, []  # not validated by the fake
        elif mode == "":
            plain = text
            parsed = [dict(e) for e in entities] if isinstance(entities, list) else []
        else:
            raise bad_request("unsupported parse_mode")
        return trim_entities(plain, parsed)

    def _check_markup(self, markup: Any) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request("can't parse inline keyboard markup")
            count = 0
            for row in rows:
                for button in row:
                    count += 1
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise bad_request(
                            'can\'t parse inline keyboard button: Field "text" must be of type '
                            "String"
                        )
                    if "callback_data" in button:
                        data = button["callback_data"]
                        size = len(str(data).encode("utf-8"))
                        if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                            raise bad_request("BUTTON_DATA_INVALID")
                    if not _INLINE_BUTTON_ACTIONS.intersection(button):
                        raise bad_request("text buttons are unallowed in the inline keyboard")
            if count > 100:
                raise bad_request("reply markup is too long")
        return markup

    def _reply_target(self, chat: FakeChat, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            message_id = as_int(reply["message_id"], "message_id")
            allow = truthy(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = as_int(params["reply_to_message_id"], "reply_to_message_id")
            allow = truthy(params.get("allow_sending_without_reply"))
        else:
            return None
        target = self._messages.get(chat.id, {}).get(message_id)
        if target is None or target.deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _edit_target(self, params: JSON) -> FakeMessage:
        chat = self._resolve_chat(params)
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        message_id = as_int(params["message_id"], "message_id")
        message = self._messages.get(chat.id, {}).get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.outgoing:
            raise bad_request("message can't be edited")
        return message

    def _checked_text(self, params: JSON) -> tuple[str, list[JSON]]:
        raw = params.get("text")
        if raw is None or raw == "":
            raise bad_request("message text is empty")
        plain, entities = self._format(str(raw), params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise bad_request("message text is empty")
        if utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise bad_request("message is too long")
        return plain, entities

    def _checked_caption(self, params: JSON) -> tuple[str | None, list[JSON]]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, []
        plain, entities = self._format(
            str(raw), params.get("parse_mode"), params.get("caption_entities")
        )
        if utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return plain or None, entities

    # ---- API methods -----------------------------------------------------------------------------

    async def _return_true(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        return True

    def _make_setter(self, name: str) -> Handler:
        async def setter(params: JSON, files: dict[str, UploadedFile]) -> Any:
            self.settings[name] = dict(params)
            return True

        return setter

    async def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        return {
            **self.bot_user.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        self.webhook_url = ""
        if truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        self.webhook_url = str(params.get("url") or "")
        if truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        self._notify_updates()
        return True

    async def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSON] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands[key] = cleaned
        return True

    async def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return list(self.commands.get(key, []))

    async def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        plain, entities = self._checked_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._store_message(
            chat,
            self.bot_user,
            outgoing=True,
            text=plain,
            raw_text=str(params["text"]),
            parse_mode=opt_str(params, "parse_mode"),
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return self._message_dict(message)

    async def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            self._checked_text(params)
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._edit_target(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        plain, entities = self._checked_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            plain == message.text
            and entities == message.entities
            and markup == (message.reply_markup)
        ):
            raise bad_request(_NOT_MODIFIED)
        message.text = plain
        message.raw_text = str(params["text"])
        message.parse_mode = opt_str(params, "parse_mode")
        message.entities = entities
        message.reply_markup = markup
        self._mark_edited(message)
        return self._message_dict(message)

    async def _edit_message_caption(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            self._checked_caption(params)
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._edit_target(params)
        if message.document is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._checked_caption(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            caption == message.caption
            and entities == message.caption_entities
            and markup == (message.reply_markup)
        ):
            raise bad_request(_NOT_MODIFIED)
        message.caption = caption
        message.raw_caption = opt_str(params, "caption")
        message.caption_entities = entities
        message.reply_markup = markup
        self._mark_edited(message)
        return self._message_dict(message)

    async def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._edit_target(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        self._mark_edited(message)
        return self._message_dict(message)

    def _mark_edited(self, message: FakeMessage) -> None:
        message.edit_date = int(time.time())
        message.edit_count += 1

    async def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        message_id = as_int(params["message_id"], "message_id")
        message = self._messages.get(chat.id, {}).get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        return True

    async def _delete_messages(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for raw in ids:
            message = self._messages.get(chat.id, {}).get(as_int(raw, "message_id"))
            if message is not None:
                message.deleted = True
        return True

    async def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        info = self._pending_callbacks.get(query_id)
        if info is None:
            raise bad_request(_QUERY_TOO_OLD)
        text = opt_str(params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._pending_callbacks[query_id]
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=truthy(params.get("show_alert")),
                url=opt_str(params, "url"),
                cache_time=as_int(params.get("cache_time", 0), "cache_time"),
                data=info.get("data"),
                chat_id=info.get("chat_id"),
                message_id=info.get("message_id"),
            )
        )
        return True

    async def _answer_inline_query(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._pending_inline:
            raise bad_request(_QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise bad_request("can't parse InlineQueryResult")
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            self._check_markup(result.get("reply_markup"))
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                message_text = str(content.get("message_text") or "")
                plain, _ = self._format(
                    message_text, content.get("parse_mode"), content.get("entities")
                )
                if not plain:
                    raise bad_request("MESSAGE_EMPTY")
                if utf16_len(plain) > MAX_MESSAGE_LENGTH:
                    raise bad_request("MESSAGE_TOO_LONG")
        query = self._pending_inline.pop(query_id)
        cache_time = params.get("cache_time")
        button = params.get("button")
        self.inline_answers.append(
            InlineAnswer(
                inline_query_id=query_id,
                query=query,
                results=results,
                cache_time=None if cache_time is None else as_int(cache_time, "cache_time"),
                is_personal=truthy(params.get("is_personal")),
                next_offset=opt_str(params, "next_offset"),
                button=button if isinstance(button, dict) else None,
            )
        )
        return True

    async def _send_document(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        upload = files.get("document")
        ref = params.get("document")
        if upload is None and isinstance(ref, str) and ref.startswith("attach://"):
            upload = files.get(ref[len("attach://") :])
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            document = self.register_file(upload.data, upload.filename, upload.content_type)
        elif isinstance(ref, str) and ref.startswith(("http://", "https://")):
            name = ref.rstrip("/").rsplit("/", 1)[-1] or "file"
            document = self.register_file(b"", name)
        elif isinstance(ref, str) and ref:
            known = self._files.get(ref)
            if known is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            document = known
        else:
            raise bad_request("there is no document in the request")
        caption, caption_entities = self._checked_caption(params)
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._store_message(
            chat,
            self.bot_user,
            outgoing=True,
            parse_mode=opt_str(params, "parse_mode"),
            caption=caption,
            raw_caption=opt_str(params, "caption"),
            caption_entities=caption_entities,
            reply_markup=markup,
            document=document,
            reply_to=reply_to,
        )
        return self._message_dict(message)

    async def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        self._resolve_chat(params)
        if str(params.get("action") or "") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        return {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_dict(self, chat: FakeChat, user_id: int) -> JSON:
        user = self.user(user_id).to_dict()
        status = self._member_status.get(chat.id, {}).get(user_id, "member")
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            )
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **dict.fromkeys(rights, True),
            }
        if status == "restricted":
            permissions = (
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_send_messages",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_manage_topics",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
            )
            return {
                "status": "restricted",
                "user": user,
                "is_member": True,
                "until_date": 0,
                **dict.fromkeys(permissions, False),
            }
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        if status == "left":
            return {"status": "left", "user": user}
        return {"status": "member", "user": user}

    async def _get_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if params.get("user_id") is None:
            raise bad_request("user_id is empty")
        return self._member_dict(chat, as_int(params["user_id"], "user_id"))

    async def _get_chat_administrators(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        statuses = self._member_status.get(chat.id, {})
        creators = [uid for uid, s in statuses.items() if s == "creator"]
        admins = [uid for uid, s in statuses.items() if s == "administrator"]
        return [self._member_dict(chat, uid) for uid in creators + admins]

    async def _get_chat_member_count(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            return 2
        statuses = self._member_status.get(chat.id, {})
        present = {uid for uid, s in statuses.items() if s not in ("left", "kicked")}
        senders = {m.sender.id for m in self._messages.get(chat.id, {}).values()}
        return len(present | senders | {self.bot_user.id})

    async def _get_file(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        file_id = str(params.get("file_id") or "")
        fake_file = self._files.get(file_id)
        if fake_file is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if fake_file.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": fake_file.file_id,
            "file_unique_id": fake_file.file_unique_id,
            "file_size": fake_file.size,
            "file_path": fake_file.file_path,
        }
