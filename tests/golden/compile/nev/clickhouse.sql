-- segl: project 'nev', target clickhouse
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_nev_tags, segl_nev_members, segl_nev_layers, segl_runs
-- journeys are decided by `segl run` only: this script leaves them out

SET session_timezone = 'Asia/Shanghai';

CREATE OR REPLACE TABLE "segl_nev_result"
ENGINE=Memory AS
WITH "segl_usr" AS (
  SELECT
    "u"."lead_id" AS "_u",
    if(
      (
        position(toTypeName("u"."source_channel"), 'Enum') > 0
        OR position(toTypeName("u"."source_channel"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("u"."source_channel" AS Nullable(String)), '\\x00+$', ''),
      "u"."source_channel"
    ) AS "p_0",
    if(
      position(toTypeName("u"."created_at"), 'String') > 0,
      if(
        match(
          toString("u"."created_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("u"."created_at")) = 16,
                concat(toString("u"."created_at"), ':00'),
                toString("u"."created_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("u"."created_at"), 1, 10)
        AND (
          length(toString("u"."created_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("u"."created_at")) = 16,
                  concat(toString("u"."created_at"), ':00'),
                  toString("u"."created_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("u"."created_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("u"."created_at")) = 16,
            concat(toString("u"."created_at"), ':00'),
            toString("u"."created_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("u"."created_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("u"."created_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "p_1"
  FROM "nev_leads" AS "u"
  WHERE
    NOT (
      if(isNaN("u"."lead_id"), NULL, "u"."lead_id") IS NULL
    )
), "segl_ev_0" AS (
  SELECT
    "lead_id" AS "_u",
    if(
      position(toTypeName("ts"), 'String') > 0,
      if(
        match(
          toString("ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("ts"), 1, 10)
        AND (
          length(toString("ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t",
    if(
      position(toTypeName("ts"), 'String') > 0,
      if(
        match(
          toString("ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("ts"), 1, 10)
        AND (
          length(toString("ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "c0",
    if(
      (
        position(toTypeName("stage"), 'Enum') > 0
        OR position(toTypeName("stage"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("stage" AS Nullable(String)), '\\x00+$', ''),
      "stage"
    ) AS "c1",
    if(
      (
        position(toTypeName("store"), 'Enum') > 0
        OR position(toTypeName("store"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("store" AS Nullable(String)), '\\x00+$', ''),
      "store"
    ) AS "c2",
    if(
      (
        position(toTypeName("model"), 'Enum') > 0
        OR position(toTypeName("model"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("model" AS Nullable(String)), '\\x00+$', ''),
      "model"
    ) AS "c3"
  FROM "nev_events"
  WHERE
    if(
      position(toTypeName("ts"), 'String') > 0,
      if(
        match(
          toString("ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("ts"), 1, 10)
        AND (
          length(toString("ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(length(toString("ts")) = 16, concat(toString("ts"), ':00'), toString("ts")),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
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
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'after_sales'
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
    *,
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
    FLOOR(
      (
        (
          toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a6", 6))
        ) / 1000000.0
      ) / 86400
    ) AS "d10"
  FROM "segl_base"
)
SELECT
  "_u",
  CAST("a0" AS Nullable(DateTime64(6, 'UTC'))) AS "d0",
  CAST("a1" AS Nullable(DateTime64(6, 'UTC'))) AS "d1",
  CAST("a2" AS Nullable(DateTime64(6, 'UTC'))) AS "d2",
  CAST("a3" AS Nullable(DateTime64(6, 'UTC'))) AS "d3",
  CAST("a4" AS Nullable(DateTime64(6, 'UTC'))) AS "d4",
  CAST("a5" AS Nullable(Float64)) AS "d5",
  CAST("d6" AS Nullable(String)) AS "d6",
  CAST(COALESCE(
    "d6" = 'test_drive'
    AND (
      FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a2", 6))
          ) / 1000000.0
        ) / 86400
      ) >= 7
      AND FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a2", 6))
          ) / 1000000.0
        ) / 86400
      ) <= 21
    ),
    FALSE
  ) AS Nullable(Bool)) AS "d7",
  CAST(COALESCE(
    "d6" = 'deposit'
    AND FLOOR(
      (
        (
          toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a3", 6))
        ) / 1000000.0
      ) / 86400
    ) > 90,
    FALSE
  ) AS Nullable(Bool)) AS "d8",
  CAST("a6" AS Nullable(DateTime64(6, 'UTC'))) AS "d9",
  CAST("d10" AS Nullable(Float64)) AS "d10",
  CAST(COALESCE((
    "d6" = 'store_visit' OR "d6" = 'wecom'
  ) AND "d10" <= 30, FALSE) AS Nullable(Bool)) AS "d11",
  CAST(COALESCE(
    (
      "d6" = 'lead' OR "d6" = 'store_visit' OR "d6" = 'wecom' OR "d6" = 'test_drive'
    )
    AND "d10" > 60,
    FALSE
  ) AS Nullable(Bool)) AS "d12",
  CAST(COALESCE(
    "p_0" = 'douyin'
    AND FLOOR(
      (
        (
          toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("p_1", 6))
        ) / 1000000.0
      ) / 86400
    ) <= 14
    AND "d6" <> 'lead',
    FALSE
  ) AS Nullable(Bool)) AS "d13",
  CAST("a7" AS Nullable(Float64)) AS "d14",
  CAST("a8" AS Nullable(String)) AS "d15",
  CAST(FLOOR(
    (
      (
        toUnixTimestamp64Micro(toDateTime64("a3", 6)) - toUnixTimestamp64Micro(toDateTime64("a2", 6))
      ) / 1000000.0
    ) / 86400
  ) AS Nullable(Float64)) AS "d16",
  CAST("a9" AS Nullable(String)) AS "d17",
  CAST("a10" AS Nullable(String)) AS "d18",
  CAST("a11" AS Nullable(String)) AS "d19",
  CAST("a9" AS Nullable(String)) AS "d20",
  CAST("a10" AS Nullable(String)) AS "d21",
  CAST("a9" AS Nullable(String)) AS "d22",
  CAST("a11" AS Nullable(String)) AS "d23",
  CAST("a8" AS Nullable(String)) AS "d24",
  CAST("a11" AS Nullable(String)) AS "d25",
  CAST("a11" AS Nullable(String)) AS "d26",
  CAST("a8" AS Nullable(String)) AS "d27"
FROM "segl_lvl_1"
SETTINGS join_use_nulls = 1, optimize_arithmetic_operations_in_aggregate_functions = 0;

CREATE TABLE IF NOT EXISTS "segl_nev_tags"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "store_visit_at",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "wecom_added_at",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "test_drive_at",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "deposit_at",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "delivery_at",
  CAST(NULL AS Nullable(Float64)) AS "service_visits_180d",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "last_touch_at",
  CAST(NULL AS Nullable(Float64)) AS "days_since_touch",
  CAST(NULL AS Nullable(Float64)) AS "test_drives",
  CAST(NULL AS Nullable(String)) AS "deposit_store",
  CAST(NULL AS Nullable(Float64)) AS "test_drive_to_deposit_days",
  CAST(NULL AS Nullable(String)) AS "test_drive_model",
  CAST(NULL AS Nullable(String)) AS "test_drive_store",
  CAST(NULL AS Nullable(String)) AS "deposit_model"
FROM "segl_nev_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_nev_tags__next";

CREATE TABLE "segl_nev_tags__next" AS
"segl_nev_tags";

INSERT INTO "segl_nev_tags__next"
SELECT
  *
FROM "segl_nev_tags"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "store_visit_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "wecom_added_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "test_drive_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "deposit_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "delivery_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "service_visits_180d" Nullable(Float64);

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "last_touch_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "days_since_touch" Nullable(Float64);

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "test_drives" Nullable(Float64);

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "deposit_store" Nullable(String);

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "test_drive_to_deposit_days" Nullable(Float64);

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "test_drive_model" Nullable(String);

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "test_drive_store" Nullable(String);

ALTER TABLE "segl_nev_tags__next"
ADD COLUMN IF NOT EXISTS "deposit_model" Nullable(String);

INSERT INTO "segl_nev_tags__next" (
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
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  "_u",
  CAST("d0" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d1" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d2" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d3" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d4" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d5" AS Nullable(Float64)),
  CAST("d9" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d10" AS Nullable(Float64)),
  CAST("d14" AS Nullable(Float64)),
  CAST("d15" AS Nullable(String)),
  CAST("d16" AS Nullable(Float64)),
  CAST("d17" AS Nullable(String)),
  CAST("d18" AS Nullable(String)),
  CAST("d19" AS Nullable(String))
FROM "segl_nev_result";

CREATE TABLE IF NOT EXISTS "segl_nev_members"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "segment",
  "_u" AS "user_id"
FROM "segl_nev_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_nev_members__next";

CREATE TABLE "segl_nev_members__next" AS
"segl_nev_members";

INSERT INTO "segl_nev_members__next"
SELECT
  *
FROM "segl_nev_members"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_nev_members__next"
ADD COLUMN IF NOT EXISTS "segment" Nullable(String);

INSERT INTO "segl_nev_members__next" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'deposit_follow_up',
  "_u"
FROM "segl_nev_result"
WHERE
  "d7" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'delivery_overdue',
  "_u"
FROM "segl_nev_result"
WHERE
  "d8" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'invite_test_drive',
  "_u"
FROM "segl_nev_result"
WHERE
  "d11" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'stale_leads',
  "_u"
FROM "segl_nev_result"
WHERE
  "d12" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'douyin_hot_leads',
  "_u"
FROM "segl_nev_result"
WHERE
  "d13" = TRUE;

CREATE TABLE IF NOT EXISTS "segl_nev_layers"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS Nullable(String)) AS "layer"
FROM "segl_nev_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_nev_layers__next";

CREATE TABLE "segl_nev_layers__next" AS
"segl_nev_layers";

INSERT INTO "segl_nev_layers__next"
SELECT
  *
FROM "segl_nev_layers"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_nev_layers__next"
ADD COLUMN IF NOT EXISTS "layering" Nullable(String);

ALTER TABLE "segl_nev_layers__next"
ADD COLUMN IF NOT EXISTS "layer" Nullable(String);

INSERT INTO "segl_nev_layers__next" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'stage',
  "_u",
  "d6"
FROM "segl_nev_result"
WHERE
  NOT (
    "d6" IS NULL
  );

CREATE TABLE IF NOT EXISTS "segl_runs"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(String)) AS "project",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "timezone",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "run_at",
  CAST(NULL AS Nullable(Float64)) AS "duration_seconds",
  CAST(NULL AS Nullable(Int64)) AS "users",
  CAST(NULL AS Nullable(String)) AS "rules_fingerprint",
  CAST(NULL AS Nullable(String)) AS "segl_version",
  CAST(NULL AS Nullable(String)) AS "definitions"
FROM "segl_nev_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_runs__next";

CREATE TABLE "segl_runs__next" AS
"segl_runs";

INSERT INTO "segl_runs__next"
SELECT
  *
FROM "segl_runs"
WHERE
  NOT COALESCE(
    (
      "project" = 'nev'
      AND "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_runs__next"
ADD COLUMN IF NOT EXISTS "timezone" Nullable(String);

ALTER TABLE "segl_runs__next"
ADD COLUMN IF NOT EXISTS "run_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_runs__next"
ADD COLUMN IF NOT EXISTS "duration_seconds" Nullable(Float64);

ALTER TABLE "segl_runs__next"
ADD COLUMN IF NOT EXISTS "users" Nullable(Int64);

ALTER TABLE "segl_runs__next"
ADD COLUMN IF NOT EXISTS "rules_fingerprint" Nullable(String);

ALTER TABLE "segl_runs__next"
ADD COLUMN IF NOT EXISTS "segl_version" Nullable(String);

ALTER TABLE "segl_runs__next"
ADD COLUMN IF NOT EXISTS "definitions" Nullable(String);

INSERT INTO "segl_runs__next" (
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
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'Asia/Shanghai',
  now64(6, 'UTC'),
  CAST(NULL AS Nullable(Float64)),
  CAST(COUNT(*) AS Nullable(Int64)),
  'e675b5aa64ff02c96428bd30cbfed4df396e226f1a7f673ad0ffe73efc8c31cc',
  'unknown',
  '{"days_since_touch": "6d96283bcb0ebe6e", "delivery_at": "f2bb0063aaf8d11a", "delivery_overdue": "250273930b77fd75", "deposit_at": "543047310560ac58", "deposit_follow_up": "e998c9e9f43dacd3", "deposit_model": "b990d192b83590e1", "deposit_store": "056f7a668c29b380", "douyin_hot_leads": "c61965ddfbef7f24", "invite_test_drive": "b752a47cc8642eb8", "last_touch_at": "b59242d4e441069e", "service_visits_180d": "612105fa43be454c", "stage": "7c5f0aa31aac8cc9", "stale_leads": "250d0999e5fa9f70", "store_visit_at": "54791a1dd32ac333", "test_drive_at": "ac525a9f044e4655", "test_drive_model": "518531c28dd0bdfb", "test_drive_store": "757a28d229720df8", "test_drive_to_deposit_days": "8858d6f016220323", "test_drives": "35f09ea7fc86ae7a", "wecom_added_at": "2a32fa5c25d355db"}'
FROM "segl_nev_result";

EXCHANGE TABLES "segl_nev_tags" AND "segl_nev_tags__next";

EXCHANGE TABLES "segl_nev_members" AND "segl_nev_members__next";

EXCHANGE TABLES "segl_nev_layers" AND "segl_nev_layers__next";

EXCHANGE TABLES "segl_runs" AND "segl_runs__next";

DROP TABLE IF EXISTS "segl_nev_tags__next";

DROP TABLE IF EXISTS "segl_nev_members__next";

DROP TABLE IF EXISTS "segl_nev_layers__next";

DROP TABLE IF EXISTS "segl_runs__next";

DROP TABLE IF EXISTS "segl_nev_result";
