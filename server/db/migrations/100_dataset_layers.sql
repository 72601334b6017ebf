-- 100: provenance of every layer's rows, so the product can say on every screen whether it shows the
-- synthetic sample or real data (PRODUCT.md §2) from a server-side fact, and so `npm start` never loads the
-- sample into a database that holds imported data. One row per (layer, origin, source): the sample generator
-- writes origin 'sample', every import writes origin 'import' with its file (or 'osm:<file>').
CREATE TABLE dataset_layers (
  layer text NOT NULL,
  origin text NOT NULL CHECK (origin IN ('sample', 'import')),
  source text NOT NULL,
  rows integer NOT NULL DEFAULT 0 CHECK (rows >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (layer, origin, source)
);

-- Databases made before this table: infer provenance from the rows already there.
INSERT INTO dataset_layers (layer, origin, source, rows)
SELECT 'street', 'sample', 'sample-generator', count(*)::int FROM streets WHERE is_sample HAVING count(*) > 0;
INSERT INTO dataset_layers (layer, origin, source, rows)
SELECT 'street', 'import', 'unknown', count(*)::int FROM streets WHERE NOT is_sample HAVING count(*) > 0;
INSERT INTO dataset_layers (layer, origin, source, rows)
SELECT 'buildings', 'import', source, count(*)::int FROM buildings WHERE source <> 'sample' GROUP BY source;
INSERT INTO dataset_layers (layer, origin, source, rows)
SELECT 'facilities', 'import', source, count(*)::int FROM facilities WHERE source <> 'sample' GROUP BY source;
INSERT INTO dataset_layers (layer, origin, source, rows)
SELECT 'walk', 'import', 'unknown', count(*)::int FROM walk_edges WHERE source_id IS NULL OR source_id NOT LIKE 'sample:%' HAVING count(*) > 0;
