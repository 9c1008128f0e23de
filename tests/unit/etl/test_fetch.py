"""The online path of ``bluelight etl region --name``, against a small HTTP server on 127.0.0.1 the test starts."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading

import pytest

from bluelight.cli import main
from bluelight.etl.fetch import fetch_osm
from bluelight.foundation.errors import DataSourceError
from tests.unit.etl.test_region import _data_dir, _osm


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _publish(root, tmp_path):
    osm, lons = _osm(tmp_path / "rural.osm")
    pbf = root / "testshire-latest.osm.pbf"
    import osmium

    with osmium.SimpleWriter(str(pbf)) as w:              # the publisher serves PBF
        for obj in osmium.FileProcessor(str(osm)):
            w.add_node(obj) if obj.is_node() else w.add_way(obj)
    (root / "testshire-latest.osm.pbf.md5").write_text(
        f"{hashlib.md5(pbf.read_bytes()).hexdigest()}  testshire-latest.osm.pbf\n")
    data = _data_dir(root, lons)
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(data).as_posix()}"
            for p in sorted((data / "england").rglob("*")) if p.is_file()]
    (root / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return pbf


def test_region_by_name_downloads_checks_and_loads(server, tmp_path, monkeypatch, capsys):
    root, url = server
    _publish(root, tmp_path)
    for var in ("BLUELIGHT_DATA_DIR",):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BLUELIGHT_DOWNLOAD_BASE", url)
    monkeypatch.setenv("BLUELIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("bluelight.foundation.environment.shared_data_candidates", lambda: [])
    wh = str(tmp_path / "w.duckdb")
    assert main(["etl", "region", "--name", "Testshire", "--warehouse", wh, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    steps = {s["step"]: s for s in report["steps"]}
    assert report["region"] == "Testshire" and steps["population"]["status"] == "loaded"
    assert (tmp_path / "home" / "cache" / "osm" / "testshire-latest.osm.pbf").is_file()
    # a corrupted file on the server is refused, not saved
    (root / "testshire-latest.osm.pbf").write_bytes(b"not the extract")
    (tmp_path / "home" / "cache" / "osm" / "testshire-latest.osm.pbf").unlink()
    with pytest.raises(DataSourceError, match="does not match"):
        fetch_osm("Testshire", tmp_path / "home" / "cache")
    assert not (tmp_path / "home" / "cache" / "osm" / "testshire-latest.osm.pbf").exists()


def test_offline_fails_over_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BLUELIGHT_DATA_DIR", raising=False)
    monkeypatch.setattr("bluelight.foundation.environment.shared_data_candidates", lambda: [])
    monkeypatch.setenv("BLUELIGHT_DOWNLOAD_BASE", "http://127.0.0.1:9")          # nothing listens there
    monkeypatch.setenv("BLUELIGHT_HOME", str(tmp_path / "home"))
    assert main(["etl", "region", "--name", "Testshire", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "cannot download" in err and "--roads FILE" in err and "Traceback" not in err
