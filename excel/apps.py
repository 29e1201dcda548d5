from django.apps import AppConfig


class ExcelConfig(AppConfig):
    name = "excel"
    verbose_name = "Excel 导入导出"
