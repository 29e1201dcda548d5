"""Delivery channels beyond the site. Each takes a Delivery (with its message and recipient) and the county's
ChannelSettings, sends, and raises DeliveryError on failure (`permanent` when a retry cannot help).

Formats are the platforms' own:
- 企业微信群机器人: POST JSON {"msgtype": "markdown", "markdown": {"content": …}} or
  {"msgtype": "text", "text": {"content": …, "mentioned_mobile_list": [...]}}; success is {"errcode": 0}.
- 钉钉自定义机器人: POST JSON {"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles": [...]}};
  with 加签 the URL carries &timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of "timestamp\\nsecret">.
- SMS: a provider's HTTP API, reached with a JSON body built from the county's template.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail

from .models import Channel


class DeliveryError(Exception):
    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def absolute(url):
    if not url or url.startswith("http"):
        return url
    return settings.SITE_URL.rstrip("/") + url


def phone_of(user):
    """The number for SMS and @-mentions: the person's own setting, else the roster's phone of their secretary."""
    preference = getattr(user, "notification_preference", None)
    if preference is not None and preference.phone:
        return preference.phone
    Secretary = apps.get_model("secretaries", "Secretary")
    return Secretary.objects.filter(user=user).values_list("phone", flat=True).first() or ""


def _post_json(url, payload, headers=None):
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_TIMEOUT) as response:  # noqa: S310
            body = response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"接口返回 HTTP {error.code}",
                            permanent=400 <= error.code < 500 and error.code != 429) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise DeliveryError(f"无法连接接口：{getattr(error, 'reason', error)}") from None
    return body


def _robot_reply(body):
    """Both robots answer {"errcode": 0, "errmsg": "ok"} on success."""
    try:
        reply = json.loads(body)
    except ValueError:
        raise DeliveryError("接口返回的不是 JSON") from None
    if reply.get("errcode") != 0:
        raise DeliveryError(f"接口拒绝：{reply.get('errcode')} {reply.get('errmsg', '')}"[:300])


def _text(message):
    lines = [f"【{message.get_kind_display()}】{message.title}"]
    if message.body:
        lines.append(message.body)
    if message.url:
        lines.append(absolute(message.url))
    return "\n".join(lines)


def send_email(delivery, county):
    user = delivery.message.recipient
    if not user.email:
        raise DeliveryError("接收人未填写电子邮箱", permanent=True)
    message = delivery.message
    send_mail(f"【{message.get_kind_display()}】{message.title}", _text(message), None, [user.email])


def wecom_payload(message, phone, fmt="markdown"):
    if fmt == "text":
        return {"msgtype": "text", "text": {"content": _text(message),
                                            "mentioned_mobile_list": [phone] if phone else []}}
    name = message.recipient.name or message.recipient.username
    content = f"**{message.get_kind_display()}**：{message.title}\n> 接收人：<font color=\"info\">{name}</font>"
    if message.body:
        content += f"\n> {message.body}"
    if message.url:
        content += f"\n[查看详情]({absolute(message.url)})"
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send_wecom(delivery, county):
    message = delivery.message
    payload = wecom_payload(message, phone_of(message.recipient), county.wecom_format)
    _robot_reply(_post_json(county.wecom_webhook, payload))


def dingtalk_sign(secret, timestamp_ms):
    """钉钉加签: base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(webhook, secret, timestamp_ms=None):
    if not secret:
        return webhook
    timestamp_ms = timestamp_ms or int(time.time() * 1000)
    joiner = "&" if "?" in webhook else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def dingtalk_payload(message, phone):
    name = message.recipient.name or message.recipient.username
    text = f"#### {message.get_kind_display()}：{message.title}\n\n接收人：{name}" + (f" @{phone}" if phone else "")
    if message.body:
        text += f"\n\n{message.body}"
    if message.url:
        text += f"\n\n[查看详情]({absolute(message.url)})"
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text},
            "at": {"atMobiles": [phone] if phone else [], "isAtAll": False}}


def send_dingtalk(delivery, county):
    message = delivery.message
    payload = dingtalk_payload(message, phone_of(message.recipient))
    _robot_reply(_post_json(dingtalk_url(county.dingtalk_webhook, county.dingtalk_secret), payload))


def sms_body(template, message, phone):
    """The provider's JSON body: the county's template with each placeholder filled in (JSON-escaped)."""
    values = {"phone": phone, "kind": message.get_kind_display(), "title": message.title, "body": message.body,
              "url": absolute(message.url)}
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", json.dumps(value, ensure_ascii=False)[1:-1])
    try:
        return json.loads(text)
    except ValueError:
        raise DeliveryError("短信请求模板不是有效的 JSON", permanent=True) from None


def send_sms(delivery, county):
    message = delivery.message
    phone = phone_of(message.recipient)
    if not phone:
        raise DeliveryError("接收人没有手机号", permanent=True)
    headers = {"Authorization": county.sms_token} if county.sms_token else {}
    _post_json(county.sms_url, sms_body(county.sms_template, message, phone), headers)


SENDERS = {Channel.EMAIL: send_email, Channel.WECOM: send_wecom, Channel.DINGTALK: send_dingtalk,
           Channel.SMS: send_sms}
