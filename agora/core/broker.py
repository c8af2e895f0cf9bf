"""The embedded job broker: kombu's filesystem transport, with messages that appear whole.

Kombu writes a message file in place (create, then write), so a worker polling the folder can
take the file between the two and read it empty; the worker then stops with a JSON error
("Unrecoverable error"). Here a message is written under a name no queue reads (`.partial`
at the end) and renamed into place, which is atomic within a folder: a reader sees either no
file or all of it. Used for `CELERY_BROKER_URL=filesystem://` (the default without Redis),
through `use_atomic_filesystem_transport()`.
"""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Puts `message` on `queue`: written aside, then renamed into the queue's folder."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(message)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def use_atomic_filesystem_transport() -> None:
    """Makes `filesystem://` mean this transport in this process."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
