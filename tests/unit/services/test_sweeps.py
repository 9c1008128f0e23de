"""What every sweep shares (services.sweeps): how it runs, and the simulation each of its variants runs."""

from bluelight.services.sweeps import SweepRun, run_fields


def test_every_sweep_runs_with_the_same_fields_in_the_same_order():
    assert [f.name for f in run_fields(7)] == ["arrivals", "replications", "seed", "scheduler", "max_snap_m",
                                               "traffic_period"]
    assert run_fields(7)[1].default == 7


def test_each_variant_simulates_with_the_sweeps_replications_and_the_services_standard():
    run = SweepRun(replications=3, seed=9, traffic_period="night")
    sim = run.simulation("ambulance")
    assert (sim.service, sim.replications, sim.seed, sim.threshold_s, sim.traffic_period) == (
        "ambulance", 3, 9, 420.0, "night")
    assert run.simulation("fire", threshold_s=300.0, vehicles_per_station=2.0).vehicles_per_station == 2.0
