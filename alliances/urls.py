app_name = "alliances"

urlpatterns = []
