-- segl: project 'retail', target clickhouse
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_retail_tags, segl_retail_members, segl_retail_layers, segl_runs

SET session_timezone = 'Asia/Shanghai';

CREATE OR REPLACE TABLE "segl_retail_result"
ENGINE=Memory AS
WITH "usr" AS (
  SELECT
    "u"."user_id" AS "_u",
    if(
      position(toTypeName("u"."registered_at"), 'String') > 0,
      toDateTime64OrNull(toString("u"."registered_at"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("u"."registered_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("u"."registered_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "p_0",
    "u"."city" AS "p_1",
    CAST("u"."birthday" AS Nullable(Date32)) AS "p_2",
    if(
      isNaN(CAST("u"."balance" AS Nullable(Float64))),
      NULL,
      CAST("u"."balance" AS Nullable(Float64))
    ) AS "p_3",
    "u"."member_level" AS "p_4",
    "u"."gender" AS "p_5"
  FROM "users" AS "u"
  WHERE
    NOT (
      "u"."user_id" IS NULL
    )
), "ev_0" AS (
  SELECT
    "user_id" AS "_u",
    if(
      position(toTypeName("paid_at"), 'String') > 0,
      toDateTime64OrNull(toString("paid_at"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t",
    if(
      isNaN(CAST("amount" AS Nullable(Float64))),
      NULL,
      CAST("amount" AS Nullable(Float64))
    ) AS "c0",
    "coupon_id" AS "c1",
    "brand" AS "c2",
    if(
      position(toTypeName("paid_at"), 'String') > 0,
      toDateTime64OrNull(toString("paid_at"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "c3",
    "category" AS "c4"
  FROM "orders"
  WHERE
    if(
      position(toTypeName("paid_at"), 'String') > 0,
      toDateTime64OrNull(toString("paid_at"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "evr_0" AS (
  SELECT
    *,
    MIN("_t") OVER (PARTITION BY "_u") AS "t_a10"
  FROM "ev_0"
), "agg_0" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a0",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a1",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a2",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND NOT (
          "c1" IS NULL
        )
        THEN 1
      END
    ) AS "a3",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-25 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c2" = 'Shiseido'
        THEN 1
      END
    ) AS "a4",
    MAX("c3") AS "a5",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "_t" < CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a7",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a8",
    AVG(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a9",
    MIN(CASE WHEN "_t" = "t_a10" THEN "c2" END) AS "a10",
    COUNT(
      DISTINCT CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN CAST("c3" AS Nullable(Date32))
      END
    ) AS "a11",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-01-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a12",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" IS NULL
        THEN "c0" * CAST(0.9 AS Nullable(Float64))
      END
    ) AS "a13"
  FROM "evr_0"
  GROUP BY
    "_u"
), "mfc_a6" AS (
  SELECT
    "_u",
    "v",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "_u",
      "c4" AS "v"
    FROM "ev_0"
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
), "mf_a6" AS (
  SELECT
    "_u" AS "_g",
    "v" AS "a6"
  FROM (
    SELECT
      "_u",
      "v",
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC) AS "r"
    FROM "mfc_a6"
  ) AS "ranked"
  WHERE
    "r" = 1
), "ev_1" AS (
  SELECT
    "user_id" AS "_u",
    if(
      position(toTypeName("ts"), 'String') > 0,
      toDateTime64OrNull(toString("ts"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t",
    if(
      position(toTypeName("ts"), 'String') > 0,
      toDateTime64OrNull(toString("ts"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "c0",
    "name" AS "c1",
    "channel" AS "c2"
  FROM "events"
  WHERE
    if(
      position(toTypeName("ts"), 'String') > 0,
      toDateTime64OrNull(toString("ts"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "agg_1" AS (
  SELECT
    "_u" AS "_g",
    MAX(CASE WHEN "c1" = 'visit' THEN "c0" END) AS "a14",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'visit'
        THEN 1
      END
    ) AS "a15",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-02 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'visit'
        THEN 1
      END
    ) AS "a16",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND (
          "c1" = 'visit' AND toDayOfWeek("c0") >= 6
        )
        THEN 1
      END
    ) AS "a17",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-02 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'push_click'
        THEN 1
      END
    ) AS "a18"
  FROM "ev_1"
  GROUP BY
    "_u"
), "mfc_a19" AS (
  SELECT
    "_u",
    "v",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "_u",
      "c2" AS "v"
    FROM "ev_1"
    WHERE
      "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
      AND "c1" = 'visit'
  ) AS "vals"
  WHERE
    NOT (
      "v" IS NULL
    )
  GROUP BY
    "_u",
    "v"
), "mf_a19" AS (
  SELECT
    "_u" AS "_g",
    "v" AS "a19"
  FROM (
    SELECT
      "_u",
      "v",
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC) AS "r"
    FROM "mfc_a19"
  ) AS "ranked"
  WHERE
    "r" = 1
), "ev_2" AS (
  SELECT
    "user_id" AS "_u",
    if(
      position(toTypeName("claimed_at"), 'String') > 0,
      toDateTime64OrNull(toString("claimed_at"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("claimed_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("claimed_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t"
  FROM "coupons"
  WHERE
    if(
      position(toTypeName("claimed_at"), 'String') > 0,
      toDateTime64OrNull(toString("claimed_at"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("claimed_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("claimed_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    AND if(
      position(toTypeName("claimed_at"), 'String') > 0,
      toDateTime64OrNull(toString("claimed_at"), 6, 'UTC'),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("claimed_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("claimed_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "agg_2" AS (
  SELECT
    "_u" AS "_g",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a20"
  FROM "ev_2"
  GROUP BY
    "_u"
), "base" AS (
  SELECT
    "usr".*,
    COALESCE("agg_0"."a0", 0) AS "a0",
    COALESCE("agg_0"."a1", 0) AS "a1",
    if(isNaN(COALESCE("agg_0"."a2", 0)), NULL, COALESCE("agg_0"."a2", 0)) AS "a2",
    COALESCE("agg_0"."a3", 0) AS "a3",
    COALESCE("agg_0"."a4" > 0, FALSE) AS "a4",
    "agg_0"."a5" AS "a5",
    COALESCE("agg_0"."a7", 0) AS "a7",
    if(isNaN(COALESCE("agg_0"."a8", 0)), NULL, COALESCE("agg_0"."a8", 0)) AS "a8",
    if(isNaN("agg_0"."a9"), NULL, "agg_0"."a9") AS "a9",
    "agg_0"."a10" AS "a10",
    COALESCE("agg_0"."a11", 0) AS "a11",
    if(isNaN(COALESCE("agg_0"."a12", 0)), NULL, COALESCE("agg_0"."a12", 0)) AS "a12",
    if(isNaN(COALESCE("agg_0"."a13", 0)), NULL, COALESCE("agg_0"."a13", 0)) AS "a13",
    "mf_a6"."a6" AS "a6",
    "agg_1"."a14" AS "a14",
    COALESCE("agg_1"."a15", 0) AS "a15",
    COALESCE("agg_1"."a16", 0) AS "a16",
    COALESCE("agg_1"."a17", 0) AS "a17",
    COALESCE("agg_1"."a18", 0) AS "a18",
    "mf_a19"."a19" AS "a19",
    COALESCE("agg_2"."a20", 0) AS "a20"
  FROM "usr"
  LEFT JOIN "agg_0"
    ON "agg_0"."_g" = "usr"."_u"
  LEFT JOIN "mf_a6"
    ON "mf_a6"."_g" = "usr"."_u"
  LEFT JOIN "agg_1"
    ON "agg_1"."_g" = "usr"."_u"
  LEFT JOIN "mf_a19"
    ON "mf_a19"."_g" = "usr"."_u"
  LEFT JOIN "agg_2"
    ON "agg_2"."_g" = "usr"."_u"
), "lvl_1" AS (
  SELECT
    *,
    CAST("a3" AS Nullable(Float64)) / nullIf(CAST("a1" AS Nullable(Float64)), 0) AS "d6",
    CASE
      WHEN (
        "p_1" = 'Beijing' OR "p_1" = '北京'
      )
      THEN 'Beijing'
      WHEN (
        "p_1" = 'Chengdu' OR "p_1" = '成都'
      )
      THEN 'Chengdu'
      ELSE "p_1"
    END AS "d13",
    2026 - EXTRACT(YEAR FROM "p_2") - CASE
      WHEN EXTRACT(MONTH FROM "p_2") * 100 + EXTRACT(DAY FROM "p_2") > 1101
      THEN 1
      ELSE 0
    END AS "d24"
  FROM "base"
), "lvl_2" AS (
  SELECT
    *,
    CASE
      WHEN FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("p_0", 6))
          ) / 1000000.0
        ) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a14", 6))
          ) / 1000000.0
        ) / 86400
      ) > 90
      OR "a14" IS NULL
      THEN 'churned'
      WHEN "a0" >= 5
      THEN 'loyal'
      ELSE 'mature'
    END AS "d2",
    CASE
      WHEN "a1" = 0
      THEN 'no_orders'
      WHEN "d6" >= CAST(0.8 AS Nullable(Float64)) AND "a20" >= 3
      THEN 'fanatic'
      WHEN "d6" >= CAST(0.5 AS Nullable(Float64))
      THEN 'sensitive'
      WHEN "d6" >= CAST(0.2 AS Nullable(Float64))
      THEN 'neutral'
      ELSE 'indifferent'
    END AS "d8"
  FROM "lvl_1"
)
SELECT
  "_u",
  CAST("a0" AS Nullable(Float64)) AS "d0",
  CAST("a14" AS Nullable(DateTime64(6, 'UTC'))) AS "d1",
  CAST("d2" AS Nullable(String)) AS "d2",
  CAST("a1" AS Nullable(Float64)) AS "d3",
  CAST("a2" AS Nullable(Float64)) AS "d4",
  CAST(CASE
    WHEN "a1" >= 3 AND "a2" >= 3000
    THEN 'hf_hv'
    WHEN "a1" >= 3
    THEN 'hf_lv'
    WHEN "a2" >= 3000
    THEN 'lf_hv'
    WHEN "a1" >= 1
    THEN 'lf_lv'
    ELSE 'none'
  END AS Nullable(String)) AS "d5",
  CAST("d6" AS Nullable(Float64)) AS "d6",
  CAST("a20" AS Nullable(Float64)) AS "d7",
  CAST("d8" AS Nullable(String)) AS "d8",
  CAST("a4" AS Nullable(Bool)) AS "d9",
  CAST("p_1" AS Nullable(String)) AS "d10",
  CAST("a15" AS Nullable(Float64)) AS "d11",
  CAST("a15" >= 3 AND "a0" >= 1 AND "p_1" = 'Beijing' AND NOT "a4" AS Nullable(Bool)) AS "d12",
  CAST("d13" AS Nullable(String)) AS "d13",
  CAST("a15" >= 3 AND "a0" >= 1 AND "d13" = 'Beijing' AND NOT "a4" AS Nullable(Bool)) AS "d14",
  CAST("d2" = 'loyal' AND "d13" = 'Beijing' AS Nullable(Bool)) AS "d15",
  CAST("a16" AS Nullable(Float64)) AS "d16",
  CAST("a2" >= 3000 AND "a16" = 0 AND "a15" >= 1 AS Nullable(Bool)) AS "d17",
  CAST((
    "d8" = 'fanatic' OR "d8" = 'sensitive'
  ) AND "a20" >= 3 AS Nullable(Bool)) AS "d18",
  CAST("a17" AS Nullable(Float64)) AS "d19",
  CAST("a17" >= 3 AND "a1" = 0 AS Nullable(Bool)) AS "d20",
  CAST("a5" AS Nullable(DateTime64(6, 'UTC'))) AS "d21",
  CAST("a6" AS Nullable(String)) AS "d22",
  CAST("a6" = 'skincare'
  AND (
    FLOOR(
      (
        (
          toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a5", 6))
        ) / 1000000.0
      ) / 86400
    ) >= 30
    AND FLOOR(
      (
        (
          toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a5", 6))
        ) / 1000000.0
      ) / 86400
    ) <= 90
  ) AS Nullable(Bool)) AS "d23",
  CAST("d24" AS Nullable(Float64)) AS "d24",
  CAST("d24" >= 18 AND "d24" <= 25 AND "d2" = 'new' AS Nullable(Bool)) AS "d25",
  CAST("p_3" AS Nullable(Float64)) AS "d26",
  CAST("p_4" AS Nullable(String)) AS "d27",
  CAST((
    "p_4" = 'gold' OR "p_4" = 'platinum'
  ) AND "p_3" > 0 AS Nullable(Bool)) AS "d28",
  CAST("a7" AS Nullable(Float64)) AS "d29",
  CAST("a7" = 0 AND "a1" >= 1 AND "a0" > "a1" AS Nullable(Bool)) AS "d30",
  CAST("p_5" AS Nullable(String)) AS "d31",
  CAST(FLOOR(
    (
      (
        toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("p_0", 6))
      ) / 1000000.0
    ) / 86400
  ) AS Nullable(Float64)) AS "d32",
  CAST("a18" AS Nullable(Float64)) AS "d33",
  CAST("a19" AS Nullable(String)) AS "d34",
  CAST("a8" AS Nullable(Float64)) AS "d35",
  CAST("a9" AS Nullable(Float64)) AS "d36",
  CAST("a10" AS Nullable(String)) AS "d37",
  CAST("a11" AS Nullable(Float64)) AS "d38",
  CAST("a12" AS Nullable(Float64)) AS "d39",
  CAST("a13" AS Nullable(Float64)) AS "d40",
  CAST(CASE WHEN "a8" >= 5000 THEN 'high' WHEN "a8" >= 1000 THEN 'mid' ELSE 'low' END AS Nullable(String)) AS "d41",
  CAST(CASE
    WHEN "a16" >= 8
    THEN 'high'
    WHEN "a16" >= 2
    THEN 'mid'
    WHEN "a15" >= 1
    THEN 'low'
    ELSE 'inactive'
  END AS Nullable(String)) AS "d42",
  CAST(FLOOR(
    (
      (
        toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a14", 6))
      ) / 1000000.0
    ) / 86400
  ) AS Nullable(Float64)) AS "d43"
FROM "lvl_2"
SETTINGS join_use_nulls = 1, optimize_arithmetic_operations_in_aggregate_functions = 0;

CREATE TABLE IF NOT EXISTS "segl_retail_tags"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS Nullable(Float64)) AS "purchases",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "last_visit_at",
  CAST(NULL AS Nullable(Float64)) AS "purchases_180d",
  CAST(NULL AS Nullable(Float64)) AS "spend_180d",
  CAST(NULL AS Nullable(Float64)) AS "coupon_share_180d",
  CAST(NULL AS Nullable(Float64)) AS "coupon_claims_90d",
  CAST(NULL AS Nullable(Bool)) AS "bought_shiseido_1w",
  CAST(NULL AS Nullable(String)) AS "city",
  CAST(NULL AS Nullable(Float64)) AS "visits_3m",
  CAST(NULL AS Nullable(String)) AS "home_city",
  CAST(NULL AS Nullable(Float64)) AS "visits_30d",
  CAST(NULL AS Nullable(Float64)) AS "weekend_visits_90d",
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "last_order_at",
  CAST(NULL AS Nullable(String)) AS "top_category",
  CAST(NULL AS Nullable(Float64)) AS "age",
  CAST(NULL AS Nullable(Float64)) AS "balance",
  CAST(NULL AS Nullable(String)) AS "member_level",
  CAST(NULL AS Nullable(Float64)) AS "orders_prev_quarter",
  CAST(NULL AS Nullable(String)) AS "gender",
  CAST(NULL AS Nullable(Float64)) AS "registered_days",
  CAST(NULL AS Nullable(Float64)) AS "push_clicks_30d",
  CAST(NULL AS Nullable(String)) AS "preferred_channel",
  CAST(NULL AS Nullable(Float64)) AS "spend_90d",
  CAST(NULL AS Nullable(Float64)) AS "avg_order_value",
  CAST(NULL AS Nullable(String)) AS "first_brand",
  CAST(NULL AS Nullable(Float64)) AS "shopping_days_90d",
  CAST(NULL AS Nullable(Float64)) AS "spend_this_year",
  CAST(NULL AS Nullable(Float64)) AS "discounted_spend_90d",
  CAST(NULL AS Nullable(String)) AS "value_level",
  CAST(NULL AS Nullable(String)) AS "activity_level",
  CAST(NULL AS Nullable(Float64)) AS "days_since_visit"
FROM "segl_retail_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_retail_tags__next";

CREATE TABLE "segl_retail_tags__next" AS
"segl_retail_tags";

INSERT INTO "segl_retail_tags__next"
SELECT
  *
FROM "segl_retail_tags"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "purchases" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "last_visit_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "purchases_180d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "spend_180d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "coupon_share_180d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "coupon_claims_90d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "bought_shiseido_1w" Nullable(Bool);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "city" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "visits_3m" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "home_city" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "visits_30d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "weekend_visits_90d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "last_order_at" Nullable(DateTime64(6, 'UTC'));

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "top_category" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "age" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "balance" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "member_level" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "orders_prev_quarter" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "gender" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "registered_days" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "push_clicks_30d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "preferred_channel" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "spend_90d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "avg_order_value" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "first_brand" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "shopping_days_90d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "spend_this_year" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "discounted_spend_90d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "value_level" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "activity_level" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "days_since_visit" Nullable(Float64);

INSERT INTO "segl_retail_tags__next" (
  "as_of",
  "user_id",
  "purchases",
  "last_visit_at",
  "purchases_180d",
  "spend_180d",
  "coupon_share_180d",
  "coupon_claims_90d",
  "bought_shiseido_1w",
  "city",
  "visits_3m",
  "home_city",
  "visits_30d",
  "weekend_visits_90d",
  "last_order_at",
  "top_category",
  "age",
  "balance",
  "member_level",
  "orders_prev_quarter",
  "gender",
  "registered_days",
  "push_clicks_30d",
  "preferred_channel",
  "spend_90d",
  "avg_order_value",
  "first_brand",
  "shopping_days_90d",
  "spend_this_year",
  "discounted_spend_90d",
  "value_level",
  "activity_level",
  "days_since_visit"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  "_u",
  CAST("d0" AS Nullable(Float64)),
  CAST("d1" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d3" AS Nullable(Float64)),
  CAST("d4" AS Nullable(Float64)),
  CAST("d6" AS Nullable(Float64)),
  CAST("d7" AS Nullable(Float64)),
  CAST("d9" AS Nullable(Bool)),
  CAST("d10" AS Nullable(String)),
  CAST("d11" AS Nullable(Float64)),
  CAST("d13" AS Nullable(String)),
  CAST("d16" AS Nullable(Float64)),
  CAST("d19" AS Nullable(Float64)),
  CAST("d21" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d22" AS Nullable(String)),
  CAST("d24" AS Nullable(Float64)),
  CAST("d26" AS Nullable(Float64)),
  CAST("d27" AS Nullable(String)),
  CAST("d29" AS Nullable(Float64)),
  CAST("d31" AS Nullable(String)),
  CAST("d32" AS Nullable(Float64)),
  CAST("d33" AS Nullable(Float64)),
  CAST("d34" AS Nullable(String)),
  CAST("d35" AS Nullable(Float64)),
  CAST("d36" AS Nullable(Float64)),
  CAST("d37" AS Nullable(String)),
  CAST("d38" AS Nullable(Float64)),
  CAST("d39" AS Nullable(Float64)),
  CAST("d40" AS Nullable(Float64)),
  CAST("d41" AS Nullable(String)),
  CAST("d42" AS Nullable(String)),
  CAST("d43" AS Nullable(Float64))
FROM "segl_retail_result";

CREATE TABLE IF NOT EXISTS "segl_retail_members"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "segment",
  "_u" AS "user_id"
FROM "segl_retail_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_retail_members__next";

CREATE TABLE "segl_retail_members__next" AS
"segl_retail_members";

INSERT INTO "segl_retail_members__next"
SELECT
  *
FROM "segl_retail_members"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_retail_members__next"
ADD COLUMN IF NOT EXISTS "segment" Nullable(String);

INSERT INTO "segl_retail_members__next" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'beijing_loyal',
  "_u"
FROM "segl_retail_result"
WHERE
  "d12" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'beijing_loyal_any_spelling',
  "_u"
FROM "segl_retail_result"
WHERE
  "d14" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'loyal_beijing',
  "_u"
FROM "segl_retail_result"
WHERE
  "d15" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'high_value_at_risk',
  "_u"
FROM "segl_retail_result"
WHERE
  "d17" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'coupon_hunters',
  "_u"
FROM "segl_retail_result"
WHERE
  "d18" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'weekend_browsers',
  "_u"
FROM "segl_retail_result"
WHERE
  "d20" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'skincare_fans_no_recent_order',
  "_u"
FROM "segl_retail_result"
WHERE
  "d23" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'young_new_members',
  "_u"
FROM "segl_retail_result"
WHERE
  "d25" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'gold_or_better',
  "_u"
FROM "segl_retail_result"
WHERE
  "d28" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'reactivated',
  "_u"
FROM "segl_retail_result"
WHERE
  "d30" = TRUE;

CREATE TABLE IF NOT EXISTS "segl_retail_layers"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS Nullable(String)) AS "layer"
FROM "segl_retail_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_retail_layers__next";

CREATE TABLE "segl_retail_layers__next" AS
"segl_retail_layers";

INSERT INTO "segl_retail_layers__next"
SELECT
  *
FROM "segl_retail_layers"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_retail_layers__next"
ADD COLUMN IF NOT EXISTS "layering" Nullable(String);

ALTER TABLE "segl_retail_layers__next"
ADD COLUMN IF NOT EXISTS "layer" Nullable(String);

INSERT INTO "segl_retail_layers__next" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'lifecycle',
  "_u",
  "d2"
FROM "segl_retail_result"
WHERE
  NOT (
    "d2" IS NULL
  )
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'value_quadrant',
  "_u",
  "d5"
FROM "segl_retail_result"
WHERE
  NOT (
    "d5" IS NULL
  )
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'promo_sensitivity',
  "_u",
  "d8"
FROM "segl_retail_result"
WHERE
  NOT (
    "d8" IS NULL
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
  CAST(NULL AS Nullable(String)) AS "segl_version"
FROM "segl_retail_result"
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
      "project" = 'retail'
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

INSERT INTO "segl_runs__next" (
  "project",
  "as_of",
  "timezone",
  "run_at",
  "duration_seconds",
  "users",
  "rules_fingerprint",
  "segl_version"
)
SELECT
  'retail',
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'Asia/Shanghai',
  now64(6, 'UTC'),
  CAST(NULL AS Nullable(Float64)),
  CAST(COUNT(*) AS Nullable(Int64)),
  '0baeb5cc97517e4b959e252dd7aa24c4c4b2eef5a1b905fee71a0c5f40ddee43',
  'unknown'
FROM "segl_retail_result";

EXCHANGE TABLES "segl_retail_tags" AND "segl_retail_tags__next";

EXCHANGE TABLES "segl_retail_members" AND "segl_retail_members__next";

EXCHANGE TABLES "segl_retail_layers" AND "segl_retail_layers__next";

EXCHANGE TABLES "segl_runs" AND "segl_runs__next";

DROP TABLE IF EXISTS "segl_retail_tags__next";

DROP TABLE IF EXISTS "segl_retail_members__next";

DROP TABLE IF EXISTS "segl_retail_layers__next";

DROP TABLE IF EXISTS "segl_runs__next";

DROP TABLE IF EXISTS "segl_retail_result";
