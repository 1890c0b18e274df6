"""WeCom's callback protocol: URL verification and encrypted messages, through wechatpy.

WeCom signs every callback with SHA-1 over (token, timestamp, nonce, ciphertext) and encrypts
the message with AES-256-CBC under the application's EncodingAESKey, the corp id inside the
plaintext. wechatpy implements exactly that (``wechatpy.enterprise.crypto.WeChatCrypto``);
this module adapts it and parses the decrypted XML (``wechatpy.enterprise.parse_message``).
"""

from __future__ import annotations

from dataclasses import dataclass

from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from bot.config import Settings


class CallbackRejected(Exception):
    """A callback that is not from WeCom for this application (bad signature, other corp)."""


@dataclass(frozen=True)
class Inbound:
    """One decrypted callback message: who sent it, its id, its type and its text."""

    msg_id: str
    userid: str
    msg_type: str
    content: str = ""
    event: str = ""


class CallbackCrypto:
    """Verifies and decrypts the callbacks of one WeCom application."""

    def __init__(self, settings: Settings) -> None:
        if not (settings.wecom_token and settings.wecom_aes_key and settings.wecom_corp_id):
            raise ValueError("COACH_WECOM_TOKEN, COACH_WECOM_AES_KEY and COACH_WECOM_CORP_ID are required")
        self._crypto = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id)

    def verify_url(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The decrypted ``echostr`` WeCom expects back when the callback URL is saved."""
        try:
            return str(self._crypto.check_signature(signature, timestamp, nonce, echostr))
        except (InvalidSignatureException, InvalidCorpIdException, ValueError, KeyError) as error:
            raise CallbackRejected(type(error).__name__) from error

    def decrypt(self, body: bytes, signature: str, timestamp: str, nonce: str) -> Inbound:
        """The message in a POSTed callback body; raises CallbackRejected before reading anything."""
        try:
            xml = self._crypto.decrypt_message(body, signature, timestamp, nonce)
            message = parse_message(xml)
        except (InvalidSignatureException, InvalidCorpIdException) as error:
            raise CallbackRejected(type(error).__name__) from error
        except Exception as error:  # malformed XML or ciphertext: not a callback we can trust
            raise CallbackRejected(f"malformed: {type(error).__name__}") from error
        raw = message._data
        msg_id = str(raw.get("MsgId") or "")
        if not msg_id:
            # Events carry no MsgId; WeCom retries them with the same sender and CreateTime.
            msg_id = f"event:{raw.get('FromUserName', '')}:{raw.get('CreateTime', '')}:{raw.get('Event', '')}"
        return Inbound(
            msg_id=msg_id,
            userid=str(raw.get("FromUserName") or ""),
            msg_type=str(raw.get("MsgType") or "").lower(),
            content=str(raw.get("Content") or ""),
            event=str(raw.get("Event") or "").lower(),
        )


__all__ = ["CallbackCrypto", "CallbackRejected", "Inbound"]
