-- segl: project 'retail', target snowflake
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_retail_tags, segl_retail_members, segl_retail_layers, segl_runs

BEGIN;

CREATE TEMPORARY TABLE "segl_retail_result" AS
WITH "usr" AS (
  SELECT
    "u"."user_id" AS "_u",
    CAST("u"."registered_at" AS TIMESTAMP) AS "p_0",
    "u"."city" AS "p_1",
    CAST("u"."birthday" AS DATE) AS "p_2",
    NULLIF(CAST("u"."balance" AS DOUBLE), CAST('NaN' AS DOUBLE)) AS "p_3",
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
    CAST("paid_at" AS TIMESTAMP) AS "_t",
    NULLIF(CAST("amount" AS DOUBLE), CAST('NaN' AS DOUBLE)) AS "c0",
    "coupon_id" AS "c1",
    "brand" AS "c2",
    CAST("paid_at" AS TIMESTAMP) AS "c3",
    "category" AS "c4"
  FROM "orders"
  WHERE
    CAST("paid_at" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
), "evr_0" AS (
  SELECT
    *,
    MIN("_t") OVER (PARTITION BY "_u") AS "t_a10"
  FROM "ev_0"
), "agg_0" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a0",
    COUNT(CASE WHEN "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) THEN 1 END) AS "a1",
    SUM(CASE WHEN "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) THEN "c0" END) AS "a2",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) AND NOT (
          "c1" IS NULL
        )
        THEN 1
      END
    ) AS "a3",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-25 00:00:00' AS TIMESTAMP) AND "c2" = 'Shiseido'
        THEN 1
      END
    ) AS "a4",
    MAX("c3") AS "a5",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP)
        AND "_t" < CAST('2026-08-03 00:00:00' AS TIMESTAMP)
        THEN 1
      END
    ) AS "a7",
    SUM(CASE WHEN "_t" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP) THEN "c0" END) AS "a8",
    AVG(CASE WHEN "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) THEN "c0" END) AS "a9",
    MIN(CASE WHEN "_t" = "t_a10" THEN "c2" END) AS "a10",
    COUNT(
      DISTINCT CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP)
        THEN CAST("c3" AS DATE)
      END
    ) AS "a11",
    SUM(CASE WHEN "_t" >= CAST('2026-01-01 00:00:00' AS TIMESTAMP) THEN "c0" END) AS "a12",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP) AND "c1" IS NULL
        THEN "c0" * CAST(0.9 AS DOUBLE)
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
      "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP)
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
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC NULLS LAST, "v" ASC) AS "r"
    FROM "mfc_a6"
  ) AS "ranked"
  WHERE
    "r" = 1
), "ev_1" AS (
  SELECT
    "user_id" AS "_u",
    CAST("ts" AS TIMESTAMP) AS "_t",
    CAST("ts" AS TIMESTAMP) AS "c0",
    "name" AS "c1",
    "channel" AS "c2"
  FROM "events"
  WHERE
    CAST("ts" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
), "agg_1" AS (
  SELECT
    "_u" AS "_g",
    MAX(CASE WHEN "c1" = 'visit' THEN "c0" END) AS "a14",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-01 00:00:00' AS TIMESTAMP) AND "c1" = 'visit'
        THEN 1
      END
    ) AS "a15",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-02 00:00:00' AS TIMESTAMP) AND "c1" = 'visit'
        THEN 1
      END
    ) AS "a16",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP)
        AND (
          "c1" = 'visit' AND DAYOFWEEKISO("c0") >= 6
        )
        THEN 1
      END
    ) AS "a17",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-02 00:00:00' AS TIMESTAMP) AND "c1" = 'push_click'
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
      "_t" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) AND "c1" = 'visit'
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
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC NULLS LAST, "v" ASC) AS "r"
    FROM "mfc_a19"
  ) AS "ranked"
  WHERE
    "r" = 1
), "ev_2" AS (
  SELECT
    "user_id" AS "_u",
    CAST("claimed_at" AS TIMESTAMP) AS "_t"
  FROM "coupons"
  WHERE
    CAST("claimed_at" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    AND CAST("claimed_at" AS TIMESTAMP) >= CAST('2026-08-03 00:00:00' AS TIMESTAMP)
), "agg_2" AS (
  SELECT
    "_u" AS "_g",
    COUNT(CASE WHEN "_t" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP) THEN 1 END) AS "a20"
  FROM "ev_2"
  GROUP BY
    "_u"
), "base" AS (
  SELECT
    "usr".*,
    COALESCE("agg_0"."a0", 0) AS "a0",
    COALESCE("agg_0"."a1", 0) AS "a1",
    NULLIF(COALESCE("agg_0"."a2", 0), CAST('NaN' AS DOUBLE)) AS "a2",
    COALESCE("agg_0"."a3", 0) AS "a3",
    COALESCE("agg_0"."a4" > 0, FALSE) AS "a4",
    "agg_0"."a5" AS "a5",
    COALESCE("agg_0"."a7", 0) AS "a7",
    NULLIF(COALESCE("agg_0"."a8", 0), CAST('NaN' AS DOUBLE)) AS "a8",
    NULLIF("agg_0"."a9", CAST('NaN' AS DOUBLE)) AS "a9",
    "agg_0"."a10" AS "a10",
    COALESCE("agg_0"."a11", 0) AS "a11",
    NULLIF(COALESCE("agg_0"."a12", 0), CAST('NaN' AS DOUBLE)) AS "a12",
    NULLIF(COALESCE("agg_0"."a13", 0), CAST('NaN' AS DOUBLE)) AS "a13",
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
    CAST("a3" AS DOUBLE) / NULLIF(CAST("a1" AS DOUBLE), 0) AS "d6",
    CASE
      WHEN "p_1" IN ('Beijing', '北京')
      THEN 'Beijing'
      WHEN "p_1" IN ('Chengdu', '成都')
      THEN 'Chengdu'
      ELSE "p_1"
    END AS "d13",
    2026 - DATE_PART(YEAR, "p_2") - CASE
      WHEN DATE_PART(MONTH, "p_2") * 100 + DATE_PART(DAY, "p_2") > 1101
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
          DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "p_0") / 1000000.0
        ) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        (
          DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "a14") / 1000000.0
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
      WHEN "d6" >= CAST(0.8 AS DOUBLE) AND "a20" >= 3
      THEN 'fanatic'
      WHEN "d6" >= CAST(0.5 AS DOUBLE)
      THEN 'sensitive'
      WHEN "d6" >= CAST(0.2 AS DOUBLE)
      THEN 'neutral'
      ELSE 'indifferent'
    END AS "d8"
  FROM "lvl_1"
)
SELECT
  "_u",
  "a0" AS "d0",
  "a14" AS "d1",
  "d2",
  "a1" AS "d3",
  "a2" AS "d4",
  CASE
    WHEN "a1" >= 3 AND "a2" >= 3000
    THEN 'hf_hv'
    WHEN "a1" >= 3
    THEN 'hf_lv'
    WHEN "a2" >= 3000
    THEN 'lf_hv'
    WHEN "a1" >= 1
    THEN 'lf_lv'
    ELSE 'none'
  END AS "d5",
  "d6",
  "a20" AS "d7",
  "d8",
  "a4" AS "d9",
  "p_1" AS "d10",
  "a15" AS "d11",
  "a15" >= 3 AND "a0" >= 1 AND "p_1" = 'Beijing' AND NOT "a4" AS "d12",
  "d13",
  "a15" >= 3 AND "a0" >= 1 AND "d13" = 'Beijing' AND NOT "a4" AS "d14",
  "d2" = 'loyal' AND "d13" = 'Beijing' AS "d15",
  "a16" AS "d16",
  "a2" >= 3000 AND "a16" = 0 AND "a15" >= 1 AS "d17",
  "d8" IN ('fanatic', 'sensitive') AND "a20" >= 3 AS "d18",
  "a17" AS "d19",
  "a17" >= 3 AND "a1" = 0 AS "d20",
  "a5" AS "d21",
  "a6" AS "d22",
  "a6" = 'skincare'
  AND (
    FLOOR(
      (
        DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "a5") / 1000000.0
      ) / 86400
    ) >= 30
    AND FLOOR(
      (
        DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "a5") / 1000000.0
      ) / 86400
    ) <= 90
  ) AS "d23",
  "d24",
  "d24" >= 18 AND "d24" <= 25 AND "d2" = 'new' AS "d25",
  "p_3" AS "d26",
  "p_4" AS "d27",
  "p_4" IN ('gold', 'platinum') AND "p_3" > 0 AS "d28",
  "a7" AS "d29",
  "a7" = 0 AND "a1" >= 1 AND "a0" > "a1" AS "d30",
  "p_5" AS "d31",
  FLOOR(
    (
      DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "p_0") / 1000000.0
    ) / 86400
  ) AS "d32",
  "a18" AS "d33",
  "a19" AS "d34",
  "a8" AS "d35",
  "a9" AS "d36",
  "a10" AS "d37",
  "a11" AS "d38",
  "a12" AS "d39",
  "a13" AS "d40",
  CASE WHEN "a8" >= 5000 THEN 'high' WHEN "a8" >= 1000 THEN 'mid' ELSE 'low' END AS "d41",
  CASE
    WHEN "a16" >= 8
    THEN 'high'
    WHEN "a16" >= 2
    THEN 'mid'
    WHEN "a15" >= 1
    THEN 'low'
    ELSE 'inactive'
  END AS "d42",
  FLOOR(
    (
      DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "a14") / 1000000.0
    ) / 86400
  ) AS "d43"
FROM "lvl_2";

CREATE TABLE IF NOT EXISTS "segl_retail_tags" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS DOUBLE) AS "purchases",
  CAST(NULL AS TIMESTAMP) AS "last_visit_at",
  CAST(NULL AS DOUBLE) AS "purchases_180d",
  CAST(NULL AS DOUBLE) AS "spend_180d",
  CAST(NULL AS DOUBLE) AS "coupon_share_180d",
  CAST(NULL AS DOUBLE) AS "coupon_claims_90d",
  CAST(NULL AS BOOLEAN) AS "bought_shiseido_1w",
  CAST(NULL AS VARCHAR) AS "city",
  CAST(NULL AS DOUBLE) AS "visits_3m",
  CAST(NULL AS VARCHAR) AS "home_city",
  CAST(NULL AS DOUBLE) AS "visits_30d",
  CAST(NULL AS DOUBLE) AS "weekend_visits_90d",
  CAST(NULL AS TIMESTAMP) AS "last_order_at",
  CAST(NULL AS VARCHAR) AS "top_category",
  CAST(NULL AS DOUBLE) AS "age",
  CAST(NULL AS DOUBLE) AS "balance",
  CAST(NULL AS VARCHAR) AS "member_level",
  CAST(NULL AS DOUBLE) AS "orders_prev_quarter",
  CAST(NULL AS VARCHAR) AS "gender",
  CAST(NULL AS DOUBLE) AS "registered_days",
  CAST(NULL AS DOUBLE) AS "push_clicks_30d",
  CAST(NULL AS VARCHAR) AS "preferred_channel",
  CAST(NULL AS DOUBLE) AS "spend_90d",
  CAST(NULL AS DOUBLE) AS "avg_order_value",
  CAST(NULL AS VARCHAR) AS "first_brand",
  CAST(NULL AS DOUBLE) AS "shopping_days_90d",
  CAST(NULL AS DOUBLE) AS "spend_this_year",
  CAST(NULL AS DOUBLE) AS "discounted_spend_90d",
  CAST(NULL AS VARCHAR) AS "value_level",
  CAST(NULL AS VARCHAR) AS "activity_level",
  CAST(NULL AS DOUBLE) AS "days_since_visit"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_tags"
WHERE
  "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_retail_tags" (
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
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  "_u",
  CAST("d0" AS DOUBLE),
  CAST("d1" AS TIMESTAMP),
  CAST("d3" AS DOUBLE),
  CAST("d4" AS DOUBLE),
  CAST("d6" AS DOUBLE),
  CAST("d7" AS DOUBLE),
  CAST("d9" AS BOOLEAN),
  CAST("d10" AS VARCHAR),
  CAST("d11" AS DOUBLE),
  CAST("d13" AS VARCHAR),
  CAST("d16" AS DOUBLE),
  CAST("d19" AS DOUBLE),
  CAST("d21" AS TIMESTAMP),
  CAST("d22" AS VARCHAR),
  CAST("d24" AS DOUBLE),
  CAST("d26" AS DOUBLE),
  CAST("d27" AS VARCHAR),
  CAST("d29" AS DOUBLE),
  CAST("d31" AS VARCHAR),
  CAST("d32" AS DOUBLE),
  CAST("d33" AS DOUBLE),
  CAST("d34" AS VARCHAR),
  CAST("d35" AS DOUBLE),
  CAST("d36" AS DOUBLE),
  CAST("d37" AS VARCHAR),
  CAST("d38" AS DOUBLE),
  CAST("d39" AS DOUBLE),
  CAST("d40" AS DOUBLE),
  CAST("d41" AS VARCHAR),
  CAST("d42" AS VARCHAR),
  CAST("d43" AS DOUBLE)
FROM "segl_retail_result";

CREATE TABLE IF NOT EXISTS "segl_retail_members" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "as_of",
  CAST(NULL AS VARCHAR) AS "segment",
  "_u" AS "user_id"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_members"
WHERE
  "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_retail_members" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'beijing_loyal',
  "_u"
FROM "segl_retail_result"
WHERE
  "d12" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'beijing_loyal_any_spelling',
  "_u"
FROM "segl_retail_result"
WHERE
  "d14" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'loyal_beijing',
  "_u"
FROM "segl_retail_result"
WHERE
  "d15" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'high_value_at_risk',
  "_u"
FROM "segl_retail_result"
WHERE
  "d17" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'coupon_hunters',
  "_u"
FROM "segl_retail_result"
WHERE
  "d18" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'weekend_browsers',
  "_u"
FROM "segl_retail_result"
WHERE
  "d20" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'skincare_fans_no_recent_order',
  "_u"
FROM "segl_retail_result"
WHERE
  "d23" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'young_new_members',
  "_u"
FROM "segl_retail_result"
WHERE
  "d25" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'gold_or_better',
  "_u"
FROM "segl_retail_result"
WHERE
  "d28" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'reactivated',
  "_u"
FROM "segl_retail_result"
WHERE
  "d30" = TRUE;

CREATE TABLE IF NOT EXISTS "segl_retail_layers" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "as_of",
  CAST(NULL AS VARCHAR) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS VARCHAR) AS "layer"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_layers"
WHERE
  "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_retail_layers" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
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
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
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
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'promo_sensitivity',
  "_u",
  "d8"
FROM "segl_retail_result"
WHERE
  NOT (
    "d8" IS NULL
  );

CREATE TABLE IF NOT EXISTS "segl_runs" AS
SELECT
  CAST(NULL AS VARCHAR) AS "project",
  CAST(NULL AS TIMESTAMP) AS "as_of",
  CAST(NULL AS VARCHAR) AS "timezone",
  CAST(NULL AS TIMESTAMPTZ) AS "run_at",
  CAST(NULL AS DOUBLE) AS "duration_seconds",
  CAST(NULL AS BIGINT) AS "users",
  CAST(NULL AS VARCHAR) AS "rules_fingerprint",
  CAST(NULL AS VARCHAR) AS "segl_version"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_runs"
WHERE
  "project" = 'retail' AND "as_of" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "segl_runs" (
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
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'Asia/Shanghai',
  CAST(CURRENT_TIMESTAMP() AS TIMESTAMPTZ),
  CAST(NULL AS DOUBLE),
  CAST(COUNT(*) AS BIGINT),
  '0baeb5cc97517e4b959e252dd7aa24c4c4b2eef5a1b905fee71a0c5f40ddee43',
  'unknown'
FROM "segl_retail_result";

DROP TABLE IF EXISTS "segl_retail_result";

COMMIT;
