"""The certificate store's file <-> Secret mapping (components/autohttps/certificate_store.py); its
traffic with an API server is exercised for real in tests/e2e/test_letsencrypt.py."""

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.autohttps.certificate_store import key_of, path_of, snapshot, sync, write_files

SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")
"""What Kubernetes accepts as a Secret key."""


@given(st.lists(st.text(min_size=1, max_size=20).filter(lambda part: part not in (".", "..")), min_size=1, max_size=5))
def test_every_path_becomes_a_valid_secret_key_and_back(parts):
    path = "/".join(parts)
    assert SECRET_KEY.fullmatch(key_of(path))
    assert path_of(key_of(path)) == path


def test_keys_stay_readable():
    assert (
        key_of("acme/acme-v02.api.letsencrypt.org-directory/users/it@example.edu/it.json")
        == "acme_2facme-v02.api.letsencrypt.org-directory_2fusers_2fit_40example.edu_2fit.json"
    )
    assert key_of("a_b") == "a_5fb"  # the escape character itself is escaped


def test_a_round_trip_keeps_files_and_leaves_locks_out(tmp_path):
    source = tmp_path / "source"
    (source / "certificates" / "ca" / "hub.example.edu").mkdir(parents=True)
    (source / "certificates" / "ca" / "hub.example.edu" / "hub.example.edu.crt").write_bytes(b"CERT")
    (source / "locks").mkdir()
    (source / "locks" / "issue_cert_hub.example.edu.lock").write_text("{}")
    data = snapshot(source)
    assert list(data) == [key_of("certificates/ca/hub.example.edu/hub.example.edu.crt")]
    assert write_files(data, tmp_path / "restored") == 1
    restored = tmp_path / "restored" / "certificates" / "ca" / "hub.example.edu" / "hub.example.edu.crt"
    assert restored.read_bytes() == b"CERT"
    assert restored.stat().st_mode & 0o777 == 0o600  # private keys live here too


def test_a_key_cannot_write_outside_the_data_folder(tmp_path):
    with pytest.raises(ValueError, match="outside"):
        write_files({key_of("../escaped"): base64.b64encode(b"x").decode()}, tmp_path / "data")
    assert not (tmp_path / "escaped").exists()


class RecordingClient:
    """Stands in for the API: the Secret's data, and the patches the store sent."""

    def __init__(self, data):
        self.data, self.patches = dict(data), []

    def read(self):
        return dict(self.data)

    def replace_data(self, new, old):
        self.patches.append((set(new) - set(old), set(old) - set(new)))
        self.data = dict(new)


def test_sync_stores_changes_and_removes_deleted_files_then_stops_on_sigterm(tmp_path):
    import os
    import signal
    import threading

    (tmp_path / "new.crt").write_text("new")
    client = RecordingClient({key_of("old.crt"): base64.b64encode(b"old").decode()})
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
    try:
        sync(client, tmp_path, interval=0.1, heartbeat=tmp_path.parent / "alive")
    finally:  # sync installs its own handlers, as the sidecar's main program
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert client.patches == [({"new.crt"}, {"old.crt"})]  # one write, then nothing changed
    assert set(client.data) == {"new.crt"}
    assert (tmp_path.parent / "alive").exists()
