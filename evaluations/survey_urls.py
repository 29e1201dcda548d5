from django.urls import path

from . import survey_views

urlpatterns = [
    path("evaluations/<int:pk>/survey-codes/", survey_views.survey_codes, name="survey_codes"),
    path("evaluations/<int:pk>/survey-codes/print/", survey_views.survey_print, name="survey_print"),
    path("survey/", survey_views.survey, name="survey"),
    path("survey/thanks/", survey_views.survey_thanks, name="survey_thanks"),
]
