app_name = "worklogs"

urlpatterns = []
