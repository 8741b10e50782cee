DROP TABLE signed_scans;
DROP TABLE unit_documents;
