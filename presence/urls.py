app_name = "presence"

urlpatterns = []
