"""`manage.py check --deploy`: warn when the app sits behind a proxy it has not been told about.

With PROXY_COUNT=0 the client address is REMOTE_ADDR; behind nginx that is nginx for everyone, so five wrong
passwords lock an account for the whole county, ten mistyped survey codes block every villager and the audit log
records only the proxy. The ForwardedForWatch middleware notes in the (shared) cache when requests arrive carrying
X-Forwarded-For while PROXY_COUNT is 0; this check reads that note.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.checks import Tags, Warning, register

XFF_SEEN_KEY = "accounts:xff-seen-without-proxy"


@register(Tags.security, deploy=True)
def check_proxy_count(app_configs=None, **kwargs):
    if settings.PROXY_COUNT:
        return []
    try:
        seen = cache.get(XFF_SEEN_KEY)
    except Exception:  # an unreachable cache must not hide the other checks
        return []
    if not seen:
        return []
    return [Warning(
        f"最近有请求带着 X-Forwarded-For 头到达（{seen.get('at', '')}，来自 {seen.get('remote', '')}），"
        "但 PROXY_COUNT=0：所有用户的地址都会被当成代理服务器的地址（登录锁定、测评码限制和审计日志都会出错）。",
        hint="在 nginx 等反向代理后面运行时，把环境变量 PROXY_COUNT 设为代理的层数（通常为 1），并确认代理会覆盖而不是"
             "原样转发客户端送来的 X-Forwarded-For。",
        id="accounts.W001",
    )]
