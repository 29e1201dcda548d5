from django import forms
from django.apps import apps

from villages.models import Region

from .models import Announcement, ChannelSettings, DocumentTemplate, Preference

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ("email", "wecom", "dingtalk", "sms", "phone")


class ChannelSettingsForm(forms.ModelForm):
    class Meta:
        model = ChannelSettings
        fields = ("email_enabled", "wecom_webhook", "wecom_format", "dingtalk_webhook", "dingtalk_secret", "sms_url",
                  "sms_token", "sms_template", "quiet_start", "quiet_end")
        widgets = {"dingtalk_secret": forms.PasswordInput(render_value=True),
                   "sms_token": forms.PasswordInput(render_value=True),
                   "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "sms_template": forms.Textarea(attrs={"rows": 3})}

    def clean_sms_template(self):
        import json

        text = self.cleaned_data["sms_template"]
        if text:
            probe = text
            for key in ("phone", "kind", "title", "body", "url"):
                probe = probe.replace("{" + key + "}", "x")
            try:
                json.loads(probe)
            except ValueError:
                example = '{"phone": "{phone}", "content": "{title}"}'
                raise forms.ValidationError(f"请求模板应为 JSON，例如 {example}。") from None
        return text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class AnnouncementForm(forms.ModelForm):
    units = forms.MultipleChoiceField(label="派出单位", required=False, widget=forms.SelectMultiple(
        attrs={"data-search": "", "size": 8}), help_text="所选派出单位的联络人和该单位派出的第一书记。")
    files = MultipleFileField(label="附件", required=False, help_text=f"最多 {MAX_ATTACHMENTS} 个，每个不超过 20 MB。")

    class Meta:
        model = Announcement
        fields = ("title", "body", "to_all_secretaries", "townships")
        widgets = {"body": forms.Textarea(attrs={"rows": 8}),
                   "townships": forms.SelectMultiple(attrs={"data-search": "", "size": 8})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["townships"].queryset = Region.objects.for_user(user).filter(level=Region.Level.TOWNSHIP) \
            .order_by("path")
        Unit = apps.get_model("secretaries", "DispatchUnit")
        self.fields["units"].choices = [(str(pk), name) for pk, name in
                                        Unit.objects.for_user(user).order_by("name").values_list("pk", "name")]

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"附件最多 {MAX_ATTACHMENTS} 个。")
        for upload in files:
            if upload.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(f"附件“{upload.name}”超过 20 MB。")
        return files

    def clean(self):
        data = super().clean()
        if not (data.get("to_all_secretaries") or data.get("townships") or data.get("units")):
            raise forms.ValidationError("请选择发送对象：全体第一书记、镇街或派出单位。")
        return data


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ("issuer_mark", "issuer", "code_prefix", "title", "main_to", "opening", "closing", "copy_to",
                  "printer")
        widgets = {"opening": forms.Textarea(attrs={"rows": 4}), "closing": forms.Textarea(attrs={"rows": 3})}


