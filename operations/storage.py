"""File storage that fails cleanly: a full disk or a read-only media folder is a Chinese message, never a 500, and
never leaves a partial file. Files written by a request that then fails are removed again (config.middleware).

Every upload goes through Django's default storage (evidence photos, spot-check photos, task and plan attachments,
import files), so this one class covers them all.
"""

import contextvars
import errno
import logging

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage

logger = logging.getLogger(__name__)

STORAGE_FAILED = "服务器的文件存储空间已满或暂时不可写，文件没有保存，其他内容也未保存。请稍后再试，并告知系统管理员。"
# What the storage wrote during the current request: removed again if the request's transaction rolls back.
written = contextvars.ContextVar("written_files", default=None)


class StorageUnavailable(ValidationError):
    """A ValidationError, so services and views that put errors on forms show it like any other."""

    def __init__(self, cause=None):
        super().__init__(STORAGE_FAILED, code="storage")
        self.cause = cause


class SafeFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        try:
            saved = super()._save(name, content)
        except FileExistsError:
            raise
        except OSError as error:
            self._remove_partial(name)
            logger.error("storing %s failed: %s (%s)", name, error.strerror, errno.errorcode.get(error.errno, "?"))
            raise StorageUnavailable(error) from error
        files = written.get()
        if files is not None:
            files.append((self, saved))
        return saved

    def _remove_partial(self, name):
        try:
            if self.exists(name):
                self.delete(name)
        except OSError:  # the folder is read-only: then nothing was written either
            pass


def track_writes():
    """Start recording the files this request writes; returns the token for `discard_writes` / `forget_writes`."""
    return written.set([])


def discard_writes(token):
    """The request failed: delete what it wrote, then stop recording."""
    for storage, name in written.get() or []:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not remove %s after a failed request", name)
    written.reset(token)


def forget_writes(token):
    written.reset(token)

