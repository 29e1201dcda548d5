"""党员群众测评: one-time codes the county prints (with QR codes), and the public page villagers answer on.

The public page needs no login. Guessing a code is hopeless (32^12 codes) and made slower still: a client
whose look-ups keep finding no code is refused with 429 for a while, before any look-up. Codes are never logged.
"""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import audit
from accounts.forms import add_service_error
from accounts.params import id_or_404
from villages.models import Region

from . import access, services
from .models import Participant, Period, SurveyCode
from .survey_forms import SurveyAnswerForm, SurveyCodeForm, SurveyCodesForm

CARDS_PER_SHEET = 8  # 2 × 4 cards on an A4 sheet, cut apart after printing
CARDS_PER_PAGE = 400  # 50 sheets per web page: drawing a QR code takes a few milliseconds
CODE_TEMPLATE = "evaluations/survey_code.html"


# County staff: generate and print -----------------------------------------------------------------------

def managed_period(request, pk):
    """The period (404 outside the user's region), then the manager check (403)."""
    period = get_object_or_404(Period.objects.for_user(request.user).select_related("region"), pk=pk)
    access.require_manager(request.user, period)
    return period


def code_counts(period):
    """Per township: participants, codes generated, used, and still usable — one query."""
    codes = "survey_codes"
    return list(
        Participant.objects.filter(period=period)
        .values("township_id", "township__name")
        .annotate(
            people=Count("pk", distinct=True),
            total=Count(codes),
            used=Count(codes, filter=Q(survey_codes__used_at__isnull=False)),
            usable=Count(codes, filter=Q(survey_codes__used_at__isnull=True,
                                         survey_codes__expires_at__gt=timezone.now())),
        )
        .order_by("township__path")
    )


def print_url(period, township=None):
    query = {"township": township.pk, "unused": 1} if township else {"unused": 1}
    return f"{reverse('evaluations:survey_print', args=[period.pk])}?{urlencode(query)}"


@require_http_methods(["GET", "POST"])
@login_required
def survey_codes(request, pk):
    period = managed_period(request, pk)
    form = SurveyCodesForm(request.POST or None, period=period)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.survey_codes_create(
                period, form.participants(), per_person=form.cleaned_data["per_person"],
                valid_days=form.cleaned_data["valid_days"], user=request.user, request=request,
                channel=form.cleaned_data["channel"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已生成测评码 {len(codes)} 个。下面列出该范围内全部未使用的测评码，可直接打印。")
            return redirect(print_url(period, form.cleaned_data["township"]))
    rows = code_counts(period)
    totals = {key: sum(row[key] for row in rows) for key in ("people", "total", "used", "usable")}
    return render(request, "evaluations/survey_codes.html",
                  {"period": period, "form": form, "rows": rows, "totals": totals})


def qr_svg(text):
    """An inline SVG QR code; the size comes from the stylesheet (no width or height in the SVG)."""
    # Safe: the SVG is segno's own markup; the text is encoded as modules, never copied into it.
    return mark_safe(segno.make(text, error="m").svg_inline(border=2, omitsize=True, svgclass="qr"))


def print_filters(request, period):
    """The codes the print page lists (?township=, ?unused=1) and the township chosen, if any."""
    codes = SurveyCode.objects.filter(period=period)
    township = None
    if request.GET.get("township"):
        township = get_object_or_404(Region.objects.for_user(request.user),
                                     pk=id_or_404(request.GET["township"], "没有这个镇街。"))
        codes = codes.filter(participant__township=township)
    if request.GET.get("unused"):
        codes = codes.filter(used_at__isnull=True, expires_at__gt=timezone.now())
    codes = codes.select_related("participant__secretary", "participant__village__region", "participant__township")
    order = ("participant__township__path", "participant__village__region__path", "participant", "pk")
    return codes.order_by(*order), township


@never_cache  # the page holds unused codes: no copy left in a shared office computer's cache
@require_GET
@login_required
def survey_print(request, pk):
    """A4 sheets of cards: who is evaluated, the code, the survey address and a QR code that carries both."""
    period = managed_period(request, pk)
    codes, township = print_filters(request, period)
    page = Paginator(codes, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    survey_url = request.build_absolute_uri(reverse("evaluations:survey"))
    # The code rides in the fragment (#…): browsers never send it, so no access log or proxy ever records it.
    cards = [(code, qr_svg(f"{survey_url}#{code.code}")) for code in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluations/survey_print.html", {
        "period": period, "township": township, "unused": bool(request.GET.get("unused")), "survey_url": survey_url,
        "sheets": [cards[i:i + CARDS_PER_SHEET] for i in range(0, len(cards), CARDS_PER_SHEET)],
        "page_obj": page, "paginator": page.paginator, "query_without_page": query.urlencode(),
    })


# The public survey ---------------------------------------------------------------------------------------

def failure_limit():
    return getattr(settings, "SURVEY_MAX_FAILURES", 10)


def failure_window():
    """Seconds from a client's first unknown code during which its failures are counted."""
    return getattr(settings, "SURVEY_FAILURE_WINDOW", 600)


def _failure_key(request):
    return f"survey-code-failures:{audit.client_ip(request)}"


def too_many_failures(request):
    return cache.get(_failure_key(request), 0) >= failure_limit()


def count_failure(request):
    """One more look-up that found no code, counted per client over a fixed window from the first one."""
    key = _failure_key(request)
    if not cache.add(key, 1, failure_window()):
        try:
            cache.incr(key)
        except ValueError:  # the window ran out between add and incr
            cache.set(key, 1, failure_window())


def checked_code(request, form):
    """The usable code typed into `form`, or None with the reason on the form."""
    try:
        return services.survey_code_check(form.cleaned_data["code"])
    except services.CodeRefused as refusal:
        if isinstance(refusal, services.UnknownCode):
            count_failure(request)
        form.add_error("code", str(refusal))
        return None


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request):
    """Step 1: the code (prefilled from the QR code's ?code=); step 2: the questions for that code."""
    if request.method == "GET":
        form = SurveyCodeForm(initial={"code": request.GET.get("code", "")[:30]})
        return render(request, CODE_TEMPLATE, {"form": form})
    if too_many_failures(request):
        minutes = -(-failure_window() // 60)
        return render(request, "evaluations/survey_blocked.html", {"minutes": minutes}, status=429)
    form = SurveyCodeForm(request.POST)
    code = checked_code(request, form) if form.is_valid() else None
    if code is None:
        return render(request, CODE_TEMPLATE, {"form": form})
    return survey_questions(request, code, form)


def survey_questions(request, code, code_form):
    submitted = request.POST.get("step") == "answer"
    form = SurveyAnswerForm(request.POST if submitted else None, period=code.period)
    if submitted and form.is_valid():
        try:
            services.survey_answer(code.code, form.answers())
        except services.CodeRefused as refusal:  # spent or closed since the questions were shown
            code_form.add_error("code", str(refusal))
            return render(request, CODE_TEMPLATE, {"form": code_form})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("evaluations:survey_thanks")
    return render(request, "evaluations/survey_answer.html", {"code": code, "form": form})


@require_GET
def survey_thanks(request):
    return render(request, "evaluations/survey_thanks.html")
