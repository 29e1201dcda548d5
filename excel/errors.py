"""Why a file as a whole is refused: FileRejected and the messages more than one module gives."""

UNSUPPORTED = "不支持的文件类型，请上传 .xlsx、.xls、.ods 或 .csv 文件。"
NOT_EXCEL = "不是 Excel 文件（可能是 Word 文档或别的压缩包），请上传 .xlsx、.xls、.ods 或 .csv 文件。"
DAMAGED = "文件已损坏，无法读取。请用 Excel 打开后另存为 .xlsx 再上传。"
PASSWORD = "文件设置了密码，请取消密码后再上传。"
ZIP_BOMB = "文件解压后过大，疑似异常文件，已拒绝。"


class FileRejected(Exception):
    """The file as a whole cannot be read; .message tells the user why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
