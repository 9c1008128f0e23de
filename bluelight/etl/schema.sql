-- Blue Light Atlas warehouse schema. Coordinates are stored in EPSG:27700
-- (British National Grid, metres) as easting/northing and `geom`, and in
-- WGS84 as lon/lat. Every loaded row carries the load run that wrote it.


CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS load_runs (
    run_id INTEGER PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    loader VARCHAR NOT NULL,
    file_path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    options VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('loaded', 'partial', 'failed')),
    rows_read INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL,
    message VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    seconds DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS rejects (
    run_id INTEGER NOT NULL,
    row_number INTEGER,
    field VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS organisations (
    org_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    service VARCHAR NOT NULL CHECK (service IN ('fire', 'police', 'ambulance', 'other', 'multi')),
    source VARCHAR
);

CREATE TABLE IF NOT EXISTS sites (
    site_id VARCHAR PRIMARY KEY,
    org_id VARCHAR,
    name VARCHAR NOT NULL,
    service VARCHAR NOT NULL CHECK (service IN ('fire', 'police', 'ambulance', 'other')),
    kind VARCHAR NOT NULL CHECK (kind IN ('station', 'hq', 'workshop', 'training', 'standby', 'control', 'hospital', 'office', 'other')),
    status VARCHAR NOT NULL CHECK (status IN ('open', 'closed', 'planned', 'candidate')),
    opened_on DATE,
    closed_on DATE,
    plan_action VARCHAR,
    hours_current VARCHAR,
    hours_proposed VARCHAR,
    duty_system VARCHAR CHECK (duty_system IS NULL OR duty_system IN ('wholetime', 'on_call', 'day_crewed', 'flexi', 'ambulance', 'police')),
    turnout_s DOUBLE,
    running_cost_gbp_pa DOUBLE,
    floor_area_m2 DOUBLE,
    bays INTEGER,
    disposal_value_gbp DOUBLE,
    backlog_maintenance_gbp DOUBLE,
    address VARCHAR,
    postcode VARCHAR,
    area_name VARCHAR,
    easting DOUBLE NOT NULL,
    northing DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    location_precision_m DOUBLE NOT NULL,
    duplicate_of VARCHAR,
    source VARCHAR NOT NULL,
    source_ref VARCHAR,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL,
    geom GEOMETRY
);

CREATE TABLE IF NOT EXISTS incidents (
    incident_id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    source_ref VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    call_time TIMESTAMP,
    hour_of_day INTEGER,
    category VARCHAR NOT NULL,
    category_detail VARCHAR,
    priority VARCHAR,
    property_category VARCHAR,
    easting DOUBLE NOT NULL,
    northing DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    location_precision_m DOUBLE NOT NULL,
    first_arrival_s DOUBLE,
    first_site_id VARCHAR,
    first_site_name VARCHAR,
    second_arrival_s DOUBLE,
    second_site_name VARCHAR,
    area_code VARCHAR,
    area_name VARCHAR,
    station_ground VARCHAR,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL,
    geom GEOMETRY
);

-- What an incident cost in vehicle time (LFB PumpCount, PumpMinutesRounded): the availability simulation's
-- workload. Kept apart from `incidents` so that a warehouse loaded before it existed reloads unchanged.
CREATE TABLE IF NOT EXISTS incident_workload (
    incident_id VARCHAR PRIMARY KEY,
    vehicles_sent INTEGER,
    vehicle_minutes DOUBLE,
    vehicle_minutes_floor DOUBLE,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS mobilisations (
    mobilisation_id VARCHAR PRIMARY KEY,
    incident_ref VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    resource_code VARCHAR,
    station_code VARCHAR,
    station_name VARCHAR,
    site_id VARCHAR,
    deployed_from VARCHAR,
    pump_order INTEGER,
    mobilised_at TIMESTAMP,
    mobile_at TIMESTAMP,
    arrived_at TIMESTAMP,
    turnout_s DOUBLE,
    travel_s DOUBLE,
    attendance_s DOUBLE,
    delay_code VARCHAR,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS targets (
    target_id VARCHAR PRIMARY KEY,
    service VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    statistic VARCHAR NOT NULL CHECK (statistic IN ('mean', 'p90', 'share_within')),
    threshold_s DOUBLE NOT NULL,
    goal DOUBLE,
    jurisdiction VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    url VARCHAR,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS population (
    zone_code VARCHAR PRIMARY KEY,
    zone_name VARCHAR,
    zone_kind VARCHAR NOT NULL,
    la_code VARCHAR,
    la_name VARCHAR,
    year INTEGER,
    pop_total DOUBLE NOT NULL,
    pop_0_15 DOUBLE,
    pop_16_29 DOUBLE,
    pop_30_44 DOUBLE,
    pop_45_64 DOUBLE,
    pop_65_plus DOUBLE,
    easting DOUBLE NOT NULL,
    northing DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL,
    geom GEOMETRY
);

CREATE TABLE IF NOT EXISTS boundaries (
    boundary_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR,
    area_m2 DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL,
    geom GEOMETRY NOT NULL,
    geom_wgs84 GEOMETRY NOT NULL
);

CREATE TABLE IF NOT EXISTS road_nodes (
    node_id BIGINT PRIMARY KEY,
    x_m DOUBLE NOT NULL,
    y_m DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    street_count INTEGER,
    control VARCHAR,            -- OSM highway=traffic_signals|crossing|give_way|stop on the node, else NULL
    load_run_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS road_edges (
    edge_id INTEGER PRIMARY KEY,
    u BIGINT NOT NULL,
    v BIGINT NOT NULL,
    key INTEGER NOT NULL,
    osmid VARCHAR,
    name VARCHAR,
    highway VARCHAR NOT NULL,
    maxspeed_kph DOUBLE,
    oneway BOOLEAN,
    length_m DOUBLE NOT NULL,
    speed_kph DOUBLE NOT NULL,
    travel_time_s DOUBLE NOT NULL,
    speed_profile VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL,
    geom GEOMETRY NOT NULL,
    geom_wgs84 GEOMETRY NOT NULL,
    -- web mercator (EPSG:3857) copy and its extent, for the dashboard's vector tiles (a tile is a range test)
    geom_3857 GEOMETRY NOT NULL,
    mx0 DOUBLE NOT NULL,
    my0 DOUBLE NOT NULL,
    mx1 DOUBLE NOT NULL,
    my1 DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS road_networks (
    load_run_id INTEGER PRIMARY KEY,
    sources VARCHAR NOT NULL,
    nodes INTEGER NOT NULL,
    edges INTEGER NOT NULL,
    nodes_dropped INTEGER NOT NULL,
    components_dropped INTEGER NOT NULL,
    speed_profile VARCHAR NOT NULL,
    built_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    note VARCHAR,
    service VARCHAR,
    as_of VARCHAR,
    horizon_years INTEGER,
    discount_rate DOUBLE,
    changes_json VARCHAR NOT NULL,
    n_changes INTEGER,
    file_path VARCHAR,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER
);

-- fire stations matched to a list that records their duty system (Home Office), with how close the match was
-- each fire station of a region against the Home Office list: its duty system where listed with one, else the
-- turnout its fire and rescue service publishes (FIRE1001), and why
CREATE TABLE IF NOT EXISTS duty_matches (
    site_id VARCHAR PRIMARY KEY,
    duty_system VARCHAR,                 -- NULL: not known
    listing VARCHAR NOT NULL,            -- 'listed with a duty type' | 'listed without a duty type' | 'not listed'
    matched_name VARCHAR,
    matched_service VARCHAR,             -- the fire and rescue service (listed, else that of the nearest station)
    distance_m DOUBLE,
    name_match BOOLEAN NOT NULL,
    turnout_s DOUBLE,                    -- set where the duty is unknown: the service's FIRE1001 turnout
    turnout_source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL
);

-- every version of every site: what it was, from which load, and when it was current (valid_to NULL: now)
CREATE TABLE IF NOT EXISTS site_versions (
    site_id VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    name VARCHAR,
    service VARCHAR,
    status VARCHAR,
    duty_system VARCHAR,
    easting DOUBLE,
    northing DOUBLE,
    change VARCHAR NOT NULL,           -- added | changed | closed by snapshot | restored
    load_run_id INTEGER NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP
);

-- NHS England AmbSYS: each ambulance trust's (and England's) incidents and response times by month (seconds)
CREATE TABLE IF NOT EXISTS ambsys (
    ambsys_id VARCHAR PRIMARY KEY,          -- org_code:YYYY-MM
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    org_code VARCHAR NOT NULL,
    org_name VARCHAR NOT NULL,
    incidents DOUBLE,
    c1_incidents DOUBLE,
    c1t_incidents DOUBLE,
    c2_incidents DOUBLE,
    c3_incidents DOUBLE,
    c4_incidents DOUBLE,
    c1_total_s DOUBLE,
    c1_mean_s DOUBLE,
    c1_p90_s DOUBLE,
    c2_total_s DOUBLE,
    c2_mean_s DOUBLE,
    c2_p90_s DOUBLE,
    source VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    load_run_id INTEGER NOT NULL
);

-- Derived from the loaded tables (not loaded from a file): each road node's K fastest sites of a service, as
-- computed for the warehouse's speed profile and cutoff, so a server opens a county without a search. Valid
-- only while nothing has been loaded since (inputs_run is the last load run it saw) and for the same drive
-- times, turnouts and cutoff (fingerprint).
CREATE TABLE IF NOT EXISTS derived_runs (
    name VARCHAR PRIMARY KEY,
    inputs_run INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,
    cutoff_s DOUBLE NOT NULL,
    k INTEGER NOT NULL,
    n_nodes INTEGER NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    seconds DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS nearest_site_order (
    service VARCHAR NOT NULL,
    site_idx INTEGER NOT NULL,
    site_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS nearest_sites (
    service VARCHAR NOT NULL,
    node_idx INTEGER NOT NULL,
    rank SMALLINT NOT NULL,
    site_idx INTEGER NOT NULL,
    time_s DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS nearest_more (
    service VARCHAR NOT NULL,
    node_idx INTEGER NOT NULL
);

-- Derived from the loaded tables: where each demand point and station lies on its nearest road segment (the
-- segment, the fraction along it from u to v, and the distance to it), for the snap distance given. Geometry
-- only, so the same under every speed profile and hour band; valid while nothing has been loaded since
-- (inputs_run), for the same points (points_hash of their coordinates) and the same roads (n_edges).
CREATE TABLE IF NOT EXISTS snapped_sets (
    name VARCHAR PRIMARY KEY,
    inputs_run INTEGER NOT NULL,
    points_hash VARCHAR NOT NULL,
    n_points INTEGER NOT NULL,
    n_edges INTEGER NOT NULL,
    max_snap_m DOUBLE NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    seconds DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS snapped_points (
    name VARCHAR NOT NULL,
    point_idx INTEGER NOT NULL,
    edge_idx INTEGER NOT NULL,
    fraction DOUBLE NOT NULL,
    distance_m DOUBLE NOT NULL
);
