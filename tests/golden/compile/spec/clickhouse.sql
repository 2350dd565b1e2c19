-- segl: project 'spec', target clickhouse
-- as of 2026-11-01 00:00:00 (UTC); window bounds below are literals computed from it
-- results: segl_spec_tags, segl_spec_members, segl_spec_layers, segl_runs

SET session_timezone = 'UTC';

CREATE OR REPLACE TABLE "segl_spec_result"
ENGINE=Memory AS
WITH "segl_usr" AS (
  SELECT
    "u"."user_id" AS "_u",
    if(
      (
        position(toTypeName("u"."gender"), 'Enum') > 0
        OR position(toTypeName("u"."gender"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("u"."gender" AS Nullable(String)), '\\x00+$', ''),
      "u"."gender"
    ) AS "p_0",
    if(
      (
        position(toTypeName("u"."city"), 'Enum') > 0
        OR position(toTypeName("u"."city"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("u"."city" AS Nullable(String)), '\\x00+$', ''),
      "u"."city"
    ) AS "p_1",
    if(
      isNaN(
        if(
          position(toTypeName("u"."balance"), 'Decimal') > 0,
          toFloat64OrNull(toString("u"."balance")),
          CAST("u"."balance" AS Nullable(Float64))
        )
      ),
      NULL,
      if(
        position(toTypeName("u"."balance"), 'Decimal') > 0,
        toFloat64OrNull(toString("u"."balance")),
        CAST("u"."balance" AS Nullable(Float64))
      )
    ) AS "p_2",
    if(
      position(toTypeName("u"."registered_at"), 'String') > 0,
      if(
        match(
          toString("u"."registered_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("u"."registered_at")) = 16,
                concat(toString("u"."registered_at"), ':00'),
                toString("u"."registered_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("u"."registered_at"), 1, 10)
        AND (
          length(toString("u"."registered_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("u"."registered_at")) = 16,
                  concat(toString("u"."registered_at"), ':00'),
                  toString("u"."registered_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("u"."registered_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("u"."registered_at")) = 16,
            concat(toString("u"."registered_at"), ':00'),
            toString("u"."registered_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("u"."registered_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("u"."registered_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "p_3"
  FROM "users" AS "u"
  WHERE
    NOT (
      "u"."user_id" IS NULL
    )
), "segl_ev_0" AS (
  SELECT
    "user_id" AS "_u",
    if(
      position(toTypeName("paid_at"), 'String') > 0,
      if(
        match(
          toString("paid_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("paid_at")) = 16,
                concat(toString("paid_at"), ':00'),
                toString("paid_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("paid_at"), 1, 10)
        AND (
          length(toString("paid_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("paid_at")) = 16,
                  concat(toString("paid_at"), ':00'),
                  toString("paid_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("paid_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("paid_at")) = 16,
            concat(toString("paid_at"), ':00'),
            toString("paid_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t",
    if(
      isNaN(
        if(
          position(toTypeName("amount"), 'Decimal') > 0,
          toFloat64OrNull(toString("amount")),
          CAST("amount" AS Nullable(Float64))
        )
      ),
      NULL,
      if(
        position(toTypeName("amount"), 'Decimal') > 0,
        toFloat64OrNull(toString("amount")),
        CAST("amount" AS Nullable(Float64))
      )
    ) AS "c0",
    if(
      (
        position(toTypeName("brand"), 'Enum') > 0
        OR position(toTypeName("brand"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("brand" AS Nullable(String)), '\\x00+$', ''),
      "brand"
    ) AS "c1",
    if(
      (
        position(toTypeName("coupon_id"), 'Enum') > 0
        OR position(toTypeName("coupon_id"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("coupon_id" AS Nullable(String)), '\\x00+$', ''),
      "coupon_id"
    ) AS "c2",
    if(
      (
        position(toTypeName("category"), 'Enum') > 0
        OR position(toTypeName("category"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("category" AS Nullable(String)), '\\x00+$', ''),
      "category"
    ) AS "c3"
  FROM "orders"
  WHERE
    if(
      position(toTypeName("paid_at"), 'String') > 0,
      if(
        match(
          toString("paid_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("paid_at")) = 16,
                concat(toString("paid_at"), ':00'),
                toString("paid_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("paid_at"), 1, 10)
        AND (
          length(toString("paid_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("paid_at")) = 16,
                  concat(toString("paid_at"), ':00'),
                  toString("paid_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("paid_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("paid_at")) = 16,
            concat(toString("paid_at"), ':00'),
            toString("paid_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "segl_agg_0" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a0",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a1",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-25 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'Shiseido'
        THEN 1
      END
    ) AS "a2",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND NOT (
          "c2" IS NULL
        )
        THEN 1
      END
    ) AS "a3",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a4"
  FROM "segl_ev_0"
  GROUP BY
    "_u"
), "segl_mfc_a5" AS (
  SELECT
    "_u",
    "v",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "_u",
      "c3" AS "v"
    FROM "segl_ev_0"
    WHERE
      "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
  ) AS "vals"
  WHERE
    NOT (
      "v" IS NULL
    )
  GROUP BY
    "_u",
    "v"
), "segl_mf_a5" AS (
  SELECT
    "_u" AS "_g",
    "v" AS "a5"
  FROM (
    SELECT
      "_u",
      "v",
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC) AS "r"
    FROM "segl_mfc_a5"
  ) AS "ranked"
  WHERE
    "r" = 1
), "segl_ev_1" AS (
  SELECT
    "user_id" AS "_u",
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
      (
        position(toTypeName("name"), 'Enum') > 0
        OR position(toTypeName("name"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("name" AS Nullable(String)), '\\x00+$', ''),
      "name"
    ) AS "c0",
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
    ) AS "c1"
  FROM "events"
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
), "segl_agg_1" AS (
  SELECT
    "_u" AS "_g",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c0" = 'visit'
        THEN 1
      END
    ) AS "a6",
    MAX(CASE WHEN "c0" = 'visit' THEN "c1" END) AS "a7"
  FROM "segl_ev_1"
  GROUP BY
    "_u"
), "segl_base" AS (
  SELECT
    "segl_usr".*,
    COALESCE("segl_agg_0"."a0", 0) AS "a0",
    if(isNaN(COALESCE("segl_agg_0"."a1", 0)), NULL, COALESCE("segl_agg_0"."a1", 0)) AS "a1",
    COALESCE("segl_agg_0"."a2" > 0, FALSE) AS "a2",
    COALESCE("segl_agg_0"."a3", 0) AS "a3",
    COALESCE("segl_agg_0"."a4", 0) AS "a4",
    "segl_mf_a5"."a5" AS "a5",
    COALESCE("segl_agg_1"."a6", 0) AS "a6",
    "segl_agg_1"."a7" AS "a7"
  FROM "segl_usr"
  LEFT JOIN "segl_agg_0"
    ON "segl_agg_0"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_mf_a5"
    ON "segl_mf_a5"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_1"
    ON "segl_agg_1"."_g" = "segl_usr"."_u"
), "segl_lvl_1" AS (
  SELECT
    *,
    CASE
      WHEN FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("p_3", 6))
          ) / 1000000.0
        ) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a7", 6))
          ) / 1000000.0
        ) / 86400
      ) > 90
      THEN 'churned'
      WHEN "a0" >= 5
      THEN 'loyal'
      ELSE 'mature'
    END AS "d12"
  FROM "segl_base"
)
SELECT
  "_u",
  CAST("p_0" AS Nullable(String)) AS "d0",
  CAST("p_1" AS Nullable(String)) AS "d1",
  CAST("p_2" AS Nullable(Float64)) AS "d2",
  CAST("a6" AS Nullable(Float64)) AS "d3",
  CAST("a0" AS Nullable(Float64)) AS "d4",
  CAST("a1" AS Nullable(Float64)) AS "d5",
  CAST("a7" AS Nullable(DateTime64(6, 'UTC'))) AS "d6",
  CAST("a2" AS Nullable(Bool)) AS "d7",
  CAST(CAST("a3" AS Nullable(Float64)) / nullIf(CAST("a4" AS Nullable(Float64)), 0) AS Nullable(Float64)) AS "d8",
  CAST("a5" AS Nullable(String)) AS "d9",
  CAST(CASE WHEN "a1" >= 5000 THEN 'high' WHEN "a1" >= 1000 THEN 'mid' ELSE 'low' END AS Nullable(String)) AS "d10",
  CAST(COALESCE("a6" >= 3 AND "a0" >= 1 AND "p_1" = 'Beijing' AND NOT "a2", FALSE) AS Nullable(Bool)) AS "d11",
  CAST("d12" AS Nullable(String)) AS "d12",
  CAST(COALESCE("d12" = 'loyal' AND "p_1" = 'Beijing', FALSE) AS Nullable(Bool)) AS "d13"
FROM "segl_lvl_1"
SETTINGS join_use_nulls = 1, optimize_arithmetic_operations_in_aggregate_functions = 0;

CREATE TABLE IF NOT EXISTS "segl_spec_tags"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS Nullable(String)) AS "gender",
  CAST(NULL AS Nullable(String)) AS "city",
  CAST(NULL AS Nullable(Float64)) AS "balance",
  CAST(NULL AS Nullable(Float64)) AS "visits_3m",
  CAST(NULL AS Nullable(Float64)) AS "purchases",
  CAST(NULL AS Nullable(Float64)) AS "spend_90d",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "last_visit_at",
  CAST(NULL AS Nullable(Bool)) AS "bought_shiseido_1w",
  CAST(NULL AS Nullable(Float64)) AS "coupon_share_180d",
  CAST(NULL AS Nullable(String)) AS "top_category",
  CAST(NULL AS Nullable(String)) AS "value_level"
FROM "segl_spec_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_spec_tags__next";

CREATE TABLE "segl_spec_tags__next" AS
"segl_spec_tags";

INSERT INTO "segl_spec_tags__next"
SELECT
  *
FROM "segl_spec_tags"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "gender" Nullable(String);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "city" Nullable(String);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "balance" Nullable(Float64);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "visits_3m" Nullable(Float64);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "purchases" Nullable(Float64);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "spend_90d" Nullable(Float64);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "last_visit_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "bought_shiseido_1w" Nullable(Bool);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "coupon_share_180d" Nullable(Float64);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "top_category" Nullable(String);

ALTER TABLE "segl_spec_tags__next"
ADD COLUMN IF NOT EXISTS "value_level" Nullable(String);

INSERT INTO "segl_spec_tags__next" (
  "as_of",
  "user_id",
  "gender",
  "city",
  "balance",
  "visits_3m",
  "purchases",
  "spend_90d",
  "last_visit_at",
  "bought_shiseido_1w",
  "coupon_share_180d",
  "top_category",
  "value_level"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  "_u",
  CAST("d0" AS Nullable(String)),
  CAST("d1" AS Nullable(String)),
  CAST("d2" AS Nullable(Float64)),
  CAST("d3" AS Nullable(Float64)),
  CAST("d4" AS Nullable(Float64)),
  CAST("d5" AS Nullable(Float64)),
  CAST("d6" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d7" AS Nullable(Bool)),
  CAST("d8" AS Nullable(Float64)),
  CAST("d9" AS Nullable(String)),
  CAST("d10" AS Nullable(String))
FROM "segl_spec_result";

CREATE TABLE IF NOT EXISTS "segl_spec_members"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "segment",
  "_u" AS "user_id"
FROM "segl_spec_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_spec_members__next";

CREATE TABLE "segl_spec_members__next" AS
"segl_spec_members";

INSERT INTO "segl_spec_members__next"
SELECT
  *
FROM "segl_spec_members"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_spec_members__next"
ADD COLUMN IF NOT EXISTS "segment" Nullable(String);

INSERT INTO "segl_spec_members__next" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'beijing_loyal',
  "_u"
FROM "segl_spec_result"
WHERE
  "d11" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'loyal_beijing',
  "_u"
FROM "segl_spec_result"
WHERE
  "d13" = TRUE;

CREATE TABLE IF NOT EXISTS "segl_spec_layers"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS Nullable(String)) AS "layer"
FROM "segl_spec_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_spec_layers__next";

CREATE TABLE "segl_spec_layers__next" AS
"segl_spec_layers";

INSERT INTO "segl_spec_layers__next"
SELECT
  *
FROM "segl_spec_layers"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_spec_layers__next"
ADD COLUMN IF NOT EXISTS "layering" Nullable(String);

ALTER TABLE "segl_spec_layers__next"
ADD COLUMN IF NOT EXISTS "layer" Nullable(String);

INSERT INTO "segl_spec_layers__next" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'lifecycle',
  "_u",
  "d12"
FROM "segl_spec_result"
WHERE
  NOT (
    "d12" IS NULL
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
FROM "segl_spec_result"
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
      "project" = 'spec'
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
  'spec',
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'UTC',
  now64(6, 'UTC'),
  CAST(NULL AS Nullable(Float64)),
  CAST(COUNT(*) AS Nullable(Int64)),
  '4a517bbbea3889e02855161aa761490883b2d46c0b97788a80e4eb83d14e037d',
  'unknown',
  '{"balance": "2c59bcf5cfa9f4f8", "beijing_loyal": "61ab1ade49e61ef7", "bought_shiseido_1w": "4518aad56ed19214", "city": "9aee588242a23196", "coupon_share_180d": "935260041ac857f5", "gender": "443be76210ae049b", "last_visit_at": "6c98d38d4788908a", "lifecycle": "678f6485abb7676d", "loyal_beijing": "b60fdde03551c17d", "purchases": "ea659ec15178247d", "spend_90d": "093ed7a45812b673", "top_category": "feab6644b5e54a85", "value_level": "3eced886b5e45c76", "visits_3m": "8fe5c08d0eb0c193"}'
FROM "segl_spec_result";

EXCHANGE TABLES "segl_spec_tags" AND "segl_spec_tags__next";

EXCHANGE TABLES "segl_spec_members" AND "segl_spec_members__next";

EXCHANGE TABLES "segl_spec_layers" AND "segl_spec_layers__next";

EXCHANGE TABLES "segl_runs" AND "segl_runs__next";

DROP TABLE IF EXISTS "segl_spec_tags__next";

DROP TABLE IF EXISTS "segl_spec_members__next";

DROP TABLE IF EXISTS "segl_spec_layers__next";

DROP TABLE IF EXISTS "segl_runs__next";

DROP TABLE IF EXISTS "segl_spec_result";
