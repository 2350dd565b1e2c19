-- segl: project 'nev', target duckdb
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_nev_tags, segl_nev_members, segl_nev_layers, segl_runs
-- journeys are decided by `segl run` only: this script leaves them out

BEGIN;

SET TimeZone = 'Asia/Shanghai';

CREATE TEMPORARY TABLE "segl_nev_result" AS
WITH "segl_usr" AS (
  SELECT
    "u"."lead_id" AS "_u",
    CAST("u"."source_channel" AS TEXT) AS "p_0",
    CAST("u"."created_at" AS TIMESTAMP) AS "p_1"
  FROM "nev_leads" AS "u"
  WHERE
    NOT (
      NULLIF("u"."lead_id", CAST('NaN' AS DOUBLE)) IS NULL
    )
), "segl_ev_0" AS (
  SELECT
    "lead_id" AS "_u",
    CAST("ts" AS TIMESTAMP) AS "_t",
    CAST("ts" AS TIMESTAMP) AS "c0",
    CAST("stage" AS TEXT) AS "c1",
    CAST("store" AS TEXT) AS "c2",
    CAST("model" AS TEXT) AS "c3"
  FROM "nev_events"
  WHERE
    CAST("ts" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
), "segl_evr_0" AS (
  SELECT
    *,
    MAX(CASE WHEN "c1" = 'deposit' THEN "_t" END) OVER (PARTITION BY "_u") AS "t_a8",
    MAX(CASE WHEN "c1" = 'test_drive' THEN "_t" END) OVER (PARTITION BY "_u") AS "t_a9",
    MAX(CASE WHEN "c1" = 'test_drive' THEN "_t" END) OVER (PARTITION BY "_u") AS "t_a10",
    MAX(CASE WHEN "c1" = 'deposit' THEN "_t" END) OVER (PARTITION BY "_u") AS "t_a11"
  FROM "segl_ev_0"
), "segl_agg_0" AS (
  SELECT
    "_u" AS "_g",
    MIN(CASE WHEN "c1" = 'store_visit' THEN "c0" END) AS "a0",
    MIN(CASE WHEN "c1" = 'add_wecom' THEN "c0" END) AS "a1",
    MIN(CASE WHEN "c1" = 'test_drive' THEN "c0" END) AS "a2",
    MIN(CASE WHEN "c1" = 'deposit' THEN "c0" END) AS "a3",
    MIN(CASE WHEN "c1" = 'delivery' THEN "c0" END) AS "a4",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) AND "c1" = 'after_sales'
        THEN 1
      END
    ) AS "a5",
    MAX("c0") AS "a6",
    COUNT(CASE WHEN "c1" = 'test_drive' THEN 1 END) AS "a7",
    MAX(CASE WHEN "c1" = 'deposit' AND "_t" = "t_a8" THEN "c2" END) AS "a8",
    MAX(CASE WHEN "c1" = 'test_drive' AND "_t" = "t_a9" THEN "c3" END) AS "a9",
    MAX(CASE WHEN "c1" = 'test_drive' AND "_t" = "t_a10" THEN "c2" END) AS "a10",
    MAX(CASE WHEN "c1" = 'deposit' AND "_t" = "t_a11" THEN "c3" END) AS "a11"
  FROM "segl_evr_0"
  GROUP BY
    "_u"
), "segl_base" AS (
  SELECT
    "segl_usr".*,
    "segl_agg_0"."a0" AS "a0",
    "segl_agg_0"."a1" AS "a1",
    "segl_agg_0"."a2" AS "a2",
    "segl_agg_0"."a3" AS "a3",
    "segl_agg_0"."a4" AS "a4",
    COALESCE("segl_agg_0"."a5", 0) AS "a5",
    "segl_agg_0"."a6" AS "a6",
    COALESCE("segl_agg_0"."a7", 0) AS "a7",
    "segl_agg_0"."a8" AS "a8",
    "segl_agg_0"."a9" AS "a9",
    "segl_agg_0"."a10" AS "a10",
    "segl_agg_0"."a11" AS "a11"
  FROM "segl_usr"
  LEFT JOIN "segl_agg_0"
    ON "segl_agg_0"."_g" = "segl_usr"."_u"
), "segl_lvl_1" AS (
  SELECT
    "segl_base".*,
    CASE
      WHEN "a5" >= 1
      THEN 'after_sales'
      WHEN NOT (
        "a4" IS NULL
      )
      THEN 'delivered'
      WHEN NOT (
        "a3" IS NULL
      )
      THEN 'deposit'
      WHEN NOT (
        "a2" IS NULL
      )
      THEN 'test_drive'
      WHEN NOT (
        "a1" IS NULL
      )
      THEN 'wecom'
      WHEN NOT (
        "a0" IS NULL
      )
      THEN 'store_visit'
      ELSE 'lead'
    END AS "d6",
    FLOOR((
      EPOCH(CAST('2026-11-01 00:00:00' AS TIMESTAMP)) - EPOCH("a6")
    ) / 86400) AS "d10"
  FROM "segl_base"
  CROSS JOIN (
    SELECT
      1 AS "_one"
  ) AS "_one"
)
SELECT
  "_u",
  "a0" AS "d0",
  "a1" AS "d1",
  "a2" AS "d2",
  "a3" AS "d3",
  "a4" AS "d4",
  "a5" AS "d5",
  "d6",
  "a6" AS "d9",
  "d10",
  COALESCE(
    "p_0" = 'douyin'
    AND FLOOR((
      EPOCH(CAST('2026-11-01 00:00:00' AS TIMESTAMP)) - EPOCH("p_1")
    ) / 86400) <= 14
    AND "d6" <> 'lead',
    FALSE
  ) AS "d13",
  "a7" AS "d14",
  "a8" AS "d15",
  FLOOR((
    EPOCH("a3") - EPOCH("a2")
  ) / 86400) AS "d16",
  "a9" AS "d17",
  "a10" AS "d18",
  "a11" AS "d19",
  "a9" AS "d20",
  "a10" AS "d21",
  "a9" AS "d22",
  "a11" AS "d23",
  "a8" AS "d24",
  "a11" AS "d25",
  "a11" AS "d26",
  "a8" AS "d27"
FROM "segl_lvl_1";

CREATE TABLE IF NOT EXISTS "segl_nev_tags" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS TIMESTAMP) AS "store_visit_at",
  CAST(NULL AS TIMESTAMP) AS "wecom_added_at",
  CAST(NULL AS TIMESTAMP) AS "test_drive_at",
  CAST(NULL AS TIMESTAMP) AS "deposit_at",
  CAST(NULL AS TIMESTAMP) AS "delivery_at",
  CAST(NULL AS DOUBLE) AS "service_visits_180d",
  CAST(NULL AS TIMESTAMP) AS "last_touch_at",
  CAST(NULL AS DOUBLE) AS "days_since_touch",
  CAST(NULL AS DOUBLE) AS "test_drives",
  CAST(NULL AS TEXT) AS "deposit_store",
  CAST(NULL AS DOUBLE) AS "test_drive_to_deposit_days",
  CAST(NULL AS TEXT) AS "test_drive_model",
  CAST(NULL AS TEXT) AS "test_drive_store",
  CAST(NULL AS TEXT) AS "deposit_model"
FROM "segl_nev_result"
WHERE
  1 = 0;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "store_visit_at" TIMESTAMP;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "wecom_added_at" TIMESTAMP;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "test_drive_at" TIMESTAMP;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "deposit_at" TIMESTAMP;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "delivery_at" TIMESTAMP;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "service_visits_180d" DOUBLE;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "last_touch_at" TIMESTAMP;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "days_since_touch" DOUBLE;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "test_drives" DOUBLE;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "deposit_store" TEXT;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "test_drive_to_deposit_days" DOUBLE;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "test_drive_model" TEXT;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "test_drive_store" TEXT;

ALTER TABLE "segl_nev_tags"
ADD COLUMN IF NOT EXISTS "deposit_model" TEXT;

DELETE FROM "segl_nev_tags"
WHERE
  "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_nev_tags" (
  "as_of",
  "user_id",
  "store_visit_at",
  "wecom_added_at",
  "test_drive_at",
  "deposit_at",
  "delivery_at",
  "service_visits_180d",
  "last_touch_at",
  "days_since_touch",
  "test_drives",
  "deposit_store",
  "test_drive_to_deposit_days",
  "test_drive_model",
  "test_drive_store",
  "deposit_model"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  "_u",
  CAST("d0" AS TIMESTAMP),
  CAST("d1" AS TIMESTAMP),
  CAST("d2" AS TIMESTAMP),
  CAST("d3" AS TIMESTAMP),
  CAST("d4" AS TIMESTAMP),
  CAST("d5" AS DOUBLE),
  CAST("d9" AS TIMESTAMP),
  CAST("d10" AS DOUBLE),
  CAST("d14" AS DOUBLE),
  CAST("d15" AS TEXT),
  CAST("d16" AS DOUBLE),
  CAST("d17" AS TEXT),
  CAST("d18" AS TEXT),
  CAST("d19" AS TEXT)
FROM "segl_nev_result";

CREATE TABLE IF NOT EXISTS "segl_nev_members" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "as_of",
  CAST(NULL AS TEXT) AS "segment",
  "_u" AS "user_id"
FROM "segl_nev_result"
WHERE
  1 = 0;

ALTER TABLE "segl_nev_members"
ADD COLUMN IF NOT EXISTS "segment" TEXT;

DELETE FROM "segl_nev_members"
WHERE
  "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_nev_members" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  "_flag",
  "_u"
FROM (
  SELECT
    "_u",
    COALESCE(
      "d6" = 'test_drive'
      AND (
        FLOOR((
          EPOCH(CAST('2026-11-01 00:00:00' AS TIMESTAMP)) - EPOCH("d2")
        ) / 86400) >= 7
        AND FLOOR((
          EPOCH(CAST('2026-11-01 00:00:00' AS TIMESTAMP)) - EPOCH("d2")
        ) / 86400) <= 21
      ),
      FALSE
    ) AS "_f0",
    COALESCE(
      "d6" = 'deposit'
      AND FLOOR((
        EPOCH(CAST('2026-11-01 00:00:00' AS TIMESTAMP)) - EPOCH("d3")
      ) / 86400) > 90,
      FALSE
    ) AS "_f1",
    COALESCE("d6" IN ('store_visit', 'wecom') AND "d10" <= 30, FALSE) AS "_f2",
    COALESCE("d6" IN ('lead', 'store_visit', 'wecom', 'test_drive') AND "d10" > 60, FALSE) AS "_f3",
    "d13" AS "_f4"
  FROM "segl_nev_result"
) AS "flags"
UNPIVOT("_set" FOR 
  "_flag" IN (
    "_f0" AS "deposit_follow_up",
    "_f1" AS "delivery_overdue",
    "_f2" AS "invite_test_drive",
    "_f3" AS "stale_leads",
    "_f4" AS "douyin_hot_leads"
  )
)
WHERE
  "_set";

CREATE TABLE IF NOT EXISTS "segl_nev_layers" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "as_of",
  CAST(NULL AS TEXT) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS TEXT) AS "layer"
FROM "segl_nev_result"
WHERE
  1 = 0;

ALTER TABLE "segl_nev_layers"
ADD COLUMN IF NOT EXISTS "layering" TEXT;

ALTER TABLE "segl_nev_layers"
ADD COLUMN IF NOT EXISTS "layer" TEXT;

DELETE FROM "segl_nev_layers"
WHERE
  "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_nev_layers" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'stage',
  "_u",
  "d6"
FROM "segl_nev_result"
WHERE
  NOT (
    "d6" IS NULL
  );

CREATE TABLE IF NOT EXISTS "segl_runs" AS
SELECT
  CAST(NULL AS TEXT) AS "project",
  CAST(NULL AS TIMESTAMP) AS "as_of",
  CAST(NULL AS TEXT) AS "timezone",
  CAST(NULL AS TIMESTAMPTZ) AS "run_at",
  CAST(NULL AS DOUBLE) AS "duration_seconds",
  CAST(NULL AS BIGINT) AS "users",
  CAST(NULL AS TEXT) AS "rules_fingerprint",
  CAST(NULL AS TEXT) AS "segl_version",
  CAST(NULL AS TEXT) AS "definitions"
FROM "segl_nev_result"
WHERE
  1 = 0;

ALTER TABLE "segl_runs"
ADD COLUMN IF NOT EXISTS "timezone" TEXT;

ALTER TABLE "segl_runs"
ADD COLUMN IF NOT EXISTS "run_at" TIMESTAMPTZ;

ALTER TABLE "segl_runs"
ADD COLUMN IF NOT EXISTS "duration_seconds" DOUBLE;

ALTER TABLE "segl_runs"
ADD COLUMN IF NOT EXISTS "users" BIGINT;

ALTER TABLE "segl_runs"
ADD COLUMN IF NOT EXISTS "rules_fingerprint" TEXT;

ALTER TABLE "segl_runs"
ADD COLUMN IF NOT EXISTS "segl_version" TEXT;

ALTER TABLE "segl_runs"
ADD COLUMN IF NOT EXISTS "definitions" TEXT;

DELETE FROM "segl_runs"
WHERE
  "project" = 'nev' AND "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_runs" (
  "project",
  "as_of",
  "timezone",
  "run_at",
  "duration_seconds",
  "users",
  "rules_fingerprint",
  "segl_version",
  "definitions"
)
SELECT
  'nev',
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'Asia/Shanghai',
  CAST(CURRENT_TIMESTAMP AS TIMESTAMPTZ),
  CAST(NULL AS DOUBLE),
  CAST(COUNT(*) AS BIGINT),
  'e675b5aa64ff02c96428bd30cbfed4df396e226f1a7f673ad0ffe73efc8c31cc',
  'unknown',
  '{"days_since_touch": "6d96283bcb0ebe6e", "delivery_at": "f2bb0063aaf8d11a", "delivery_overdue": "250273930b77fd75", "deposit_at": "543047310560ac58", "deposit_follow_up": "e998c9e9f43dacd3", "deposit_model": "b990d192b83590e1", "deposit_store": "056f7a668c29b380", "douyin_hot_leads": "c61965ddfbef7f24", "invite_test_drive": "b752a47cc8642eb8", "last_touch_at": "b59242d4e441069e", "service_visits_180d": "612105fa43be454c", "stage": "7c5f0aa31aac8cc9", "stale_leads": "250d0999e5fa9f70", "store_visit_at": "54791a1dd32ac333", "test_drive_at": "ac525a9f044e4655", "test_drive_model": "518531c28dd0bdfb", "test_drive_store": "757a28d229720df8", "test_drive_to_deposit_days": "8858d6f016220323", "test_drives": "35f09ea7fc86ae7a", "wecom_added_at": "2a32fa5c25d355db"}'
FROM "segl_nev_result";

DROP TABLE IF EXISTS "segl_nev_result";

COMMIT;

CHECKPOINT;
