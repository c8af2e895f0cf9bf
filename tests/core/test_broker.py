"""The embedded broker never hands a worker a message that is still being written (kombu's
own filesystem transport can: the worker then reads an empty file and stops)."""

from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection

from agora.core import broker


@pytest.fixture
def channel(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with Connection("filesystem://", transport_options=options) as connection:
        yield connection.default_channel


def test_filesystem_means_the_atomic_transport(channel) -> None:
    assert isinstance(channel, broker.Channel)


def test_a_message_being_written_is_not_there_for_a_reader(channel, monkeypatch) -> None:
    seen_while_writing = []
    real_dumps = broker.dumps

    def dumps_and_look(message):
        try:
            seen_while_writing.append(channel._get("jobs"))
        except Empty:
            seen_while_writing.append("nothing")
        return real_dumps(message)

    monkeypatch.setattr(broker, "dumps", dumps_and_look)
    channel._put("jobs", {"body": "x" * 100_000})
    assert seen_while_writing == ["nothing"]
    assert channel._get("jobs") == {"body": "x" * 100_000}
    with pytest.raises(Empty):
        channel._get("jobs")
    assert list(Path(channel.data_folder_in).iterdir()) == []  # no partial file left behind
