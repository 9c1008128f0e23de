"""AmbSYS files: read by column code, '.' kept as missing, bad rows named by row and field, loaded once."""

from __future__ import annotations

from bluelight.cli import main

HEADER = ("Year,Month,Region,Org Code,Org Name,A0,A1,A2,A3,A4,A114,A5,A6,A111,A112,A113,A7,A8,A9,A10,A11,A12,A24,A25,"
          "A26,A27,A28,A29,A30,A31,A32,A33,A34,A35,A36,A37,A38\n")


def _row(code="RRU", name="LONDON AMBULANCE SERVICE NHS TRUST", month=4, c1_mean="446", a10="20000"):
    return (f"2023,{month},Y56,{code},{name},1,1,1,1,1,1,1,1,1,1,1,100000,1000,500,{a10},30000,2000,446000,"
            f"{c1_mean},757,1,1,1,45000000,2250,5000,.,.,.,.,.,.\n")


def test_a_good_file_loads_and_dots_are_missing(write, tmp_path, capsys):
    wh = str(tmp_path / "w.duckdb")
    path = write("ambsys.csv", HEADER + _row() + _row(month=5))
    assert main(["etl", "ambsys", str(path), "--warehouse", wh]) == 0
    from bluelight.etl.warehouse import connect

    con = connect(wh, read_only=True)
    rows = con.execute("SELECT org_code, month, c1_mean_s, c2_mean_s FROM ambsys ORDER BY month").fetchall()
    con.close()
    assert rows == [("RRU", 4, 446.0, 2250.0), ("RRU", 5, 446.0, 2250.0)]


def test_bad_rows_are_named_and_nothing_loads(write, tmp_path, capsys):
    wh = str(tmp_path / "w.duckdb")
    path = write("bad.csv", HEADER + _row() + _row(month=13) + _row(code="XYZ", month=6) + _row(month=7, c1_mean="999")
                 + _row(month=8, a10="lots"))
    assert main(["etl", "ambsys", str(path), "--warehouse", wh]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "4 of 5 rows are invalid" in err
    assert "row 2" in err and "Month" in err and "row 3" in err and "Org Code" in err
    assert "A25" in err and "total / count" in err and "A10" in err and "Traceback" not in err
    path = write("cols.csv", "Year,Month,Org Code\n2023,4,RRU\n")
    assert main(["etl", "ambsys", str(path), "--warehouse", wh]) == 2
    assert "lacks the AmbSYS column" in capsys.readouterr().err
