DROP TABLE unit_maps;
DROP TABLE parcel_imports;
DROP TABLE parcels;
