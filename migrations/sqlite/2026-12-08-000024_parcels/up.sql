-- The shape of a household's land parcel (thửa đất), imported from the
-- cadastral office's files or written through the API: a GeoJSON
-- MultiPolygon in WGS84 degrees, its area on the ellipsoid, its bounding box
-- (a map is fitted to its parcels without reading every shape) and a point
-- inside it for the label.
CREATE TABLE parcels (
    household_id BIGINT PRIMARY KEY NOT NULL REFERENCES households(id),
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    geometry TEXT NOT NULL,
    area_m2 REAL NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    label_lon REAL NOT NULL,
    label_lat REAL NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by BIGINT REFERENCES users(id)
);
CREATE INDEX parcels_task_idx ON parcels (task_id);

-- A parcel file read and checked, kept until its uploader confirms it (a day
-- at most): the shapes in the file's own coordinates with their attributes.
CREATE TABLE parcel_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    file_name TEXT NOT NULL,
    prj TEXT NOT NULL,
    features TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- A unit's map settings, inherited by the units under it: the central
-- meridian of its province's VN-2000 zone (for files that do not say) and
-- an optional background tile server (off when empty).
CREATE TABLE unit_maps (
    unit_id BIGINT PRIMARY KEY NOT NULL REFERENCES units(id),
    province TEXT NOT NULL DEFAULT '',
    tile_url TEXT NOT NULL DEFAULT '',
    tile_attribution TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
