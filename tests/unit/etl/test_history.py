"""Sites keep their history: a changed file and then the original leave the original current, both versions kept."""

from __future__ import annotations

from bluelight.etl.sites import load_sites

ORIGINAL = """site_id,name,service,easting,northing
F1,Soho,fire,529700,181000
F2,Euston,fire,529300,182500
F3,Holborn,fire,530500,181600
"""


def _soho(con):
    return con.execute("SELECT easting, northing, status FROM sites WHERE site_id = 'F1'").fetchone()


def test_changed_file_then_the_original_restores_it_with_both_versions(con, write):
    original = write("sites.csv", ORIGINAL)
    moved = write("sites_moved.csv", ORIGINAL.replace("529700,181000", "529700,181500"))   # Soho moved 500 m
    assert load_sites(con, original).rows_loaded == 3
    assert load_sites(con, moved).rows_loaded == 1
    assert _soho(con)[:2] == (529700.0, 181500.0)
    back = load_sites(con, original)                  # not skipped as "already loaded": its state is not current
    assert back.status == "loaded" and back.rows_loaded == 1
    assert _soho(con)[:2] == (529700.0, 181000.0)
    versions = con.execute("SELECT northing, change, valid_to IS NULL FROM site_versions WHERE site_id = 'F1' "
                           "ORDER BY valid_from, load_run_id").fetchall()
    assert versions == [(181000.0, "added", False), (181500.0, "changed", False), (181000.0, "changed", True)]
    assert load_sites(con, original).status == "unchanged"          # now it is current: nothing to do


def test_snapshot_closes_what_the_source_no_longer_lists(con, write):
    load_sites(con, write("sites.csv", ORIGINAL))
    fewer = write("sites_2024.csv", "\n".join(ORIGINAL.splitlines()[:3]) + "\n")      # Holborn gone
    plain = load_sites(con, fewer)
    assert con.execute("SELECT status FROM sites WHERE site_id = 'F3'").fetchone()[0] == "open"   # not a snapshot
    assert plain.rows_loaded == 0
    snap = load_sites(con, fewer, snapshot=True)
    assert "1 site(s) of this source not in the file closed" in snap.message
    assert con.execute("SELECT status FROM sites WHERE site_id = 'F3'").fetchone()[0] == "closed"
    assert con.execute("SELECT change FROM site_versions WHERE site_id = 'F3' AND valid_to IS NULL").fetchone() == \
        ("closed by snapshot",)


def test_status_of_a_warehouse_older_than_site_history(con):
    from bluelight.etl.status import warehouse_status

    con.execute("DROP TABLE site_versions")
    st = warehouse_status(con)
    assert st["tables"]["site_versions"] is None and st["recent_changes"] == []
