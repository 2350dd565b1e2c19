-- segl: project 'retail', target sqlite
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_retail_tags, segl_retail_members, segl_retail_layers, segl_runs

BEGIN TRANSACTION;

CREATE TEMPORARY TABLE "segl_retail_result" AS
WITH "usr" AS (
  SELECT
    "u"."user_id" AS "_u",
    "u"."registered_at" AS "p_0",
    "u"."city" AS "p_1",
    "u"."birthday" AS "p_2",
    CAST("u"."balance" AS REAL) AS "p_3",
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
    "paid_at" AS "_t",
    CAST("amount" AS REAL) AS "c0",
    "coupon_id" AS "c1",
    "brand" AS "c2",
    "paid_at" AS "c3",
    "category" AS "c4"
  FROM "orders"
  WHERE
    "paid_at" < '2026-11-01 00:00:00'
), "evr_0" AS (
  SELECT
    *,
    MIN("_t") OVER (PARTITION BY "_u") AS "t_a10"
  FROM "ev_0"
), "agg_0" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a0",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN 1 END) AS "a1",
    SUM(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN "c0" END) AS "a2",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' AND NOT (
      "c1" IS NULL
    ) THEN 1 END) AS "a3",
    COUNT(CASE WHEN "_t" >= '2026-10-25 00:00:00' AND "c2" = 'Shiseido' THEN 1 END) AS "a4",
    MAX("c3") AS "a5",
    COUNT(
      CASE WHEN "_t" >= '2026-05-05 00:00:00' AND "_t" < '2026-08-03 00:00:00' THEN 1 END
    ) AS "a7",
    SUM(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN "c0" END) AS "a8",
    AVG(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN "c0" END) AS "a9",
    MIN(CASE WHEN "_t" = "t_a10" THEN "c2" END) AS "a10",
    COUNT(DISTINCT CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN DATE("c3") END) AS "a11",
    SUM(CASE WHEN "_t" >= '2026-01-01 00:00:00' THEN "c0" END) AS "a12",
    SUM(
      CASE
        WHEN "_t" >= '2026-08-03 00:00:00' AND "c1" IS NULL
        THEN "c0" * CAST(0.9 AS REAL)
      END
    ) AS "a13",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN "c0" END) AS "n_a2",
    COUNT(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN "c0" END) AS "n_a8",
    COUNT(CASE WHEN "_t" >= '2026-01-01 00:00:00' THEN "c0" END) AS "n_a12",
    COUNT(
      CASE
        WHEN "_t" >= '2026-08-03 00:00:00' AND "c1" IS NULL
        THEN "c0" * CAST(0.9 AS REAL)
      END
    ) AS "n_a13"
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
      "_t" >= '2026-05-05 00:00:00'
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
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC NULLS LAST) AS "r"
    FROM "mfc_a6"
  ) AS "ranked"
  WHERE
    "r" = 1
), "ev_1" AS (
  SELECT
    "user_id" AS "_u",
    "ts" AS "_t",
    "ts" AS "c0",
    "name" AS "c1",
    "channel" AS "c2"
  FROM "events"
  WHERE
    "ts" < '2026-11-01 00:00:00'
), "agg_1" AS (
  SELECT
    "_u" AS "_g",
    MAX(CASE WHEN "c1" = 'visit' THEN "c0" END) AS "a14",
    COUNT(CASE WHEN "_t" >= '2026-08-01 00:00:00' AND "c1" = 'visit' THEN 1 END) AS "a15",
    COUNT(CASE WHEN "_t" >= '2026-10-02 00:00:00' AND "c1" = 'visit' THEN 1 END) AS "a16",
    COUNT(
      CASE
        WHEN "_t" >= '2026-08-03 00:00:00'
        AND (
          "c1" = 'visit' AND (
            CAST(STRFTIME('%w', "c0") AS INTEGER) + 6
          ) % 7 + 1 >= 6
        )
        THEN 1
      END
    ) AS "a17",
    COUNT(CASE WHEN "_t" >= '2026-10-02 00:00:00' AND "c1" = 'push_click' THEN 1 END) AS "a18"
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
      "_t" >= '2026-05-05 00:00:00' AND "c1" = 'visit'
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
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC NULLS LAST) AS "r"
    FROM "mfc_a19"
  ) AS "ranked"
  WHERE
    "r" = 1
), "ev_2" AS (
  SELECT
    "user_id" AS "_u",
    "claimed_at" AS "_t"
  FROM "coupons"
  WHERE
    "claimed_at" < '2026-11-01 00:00:00' AND "claimed_at" >= '2026-08-03 00:00:00'
), "agg_2" AS (
  SELECT
    "_u" AS "_g",
    COUNT(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN 1 END) AS "a20"
  FROM "ev_2"
  GROUP BY
    "_u"
), "base" AS (
  SELECT
    "usr".*,
    COALESCE("agg_0"."a0", 0) AS "a0",
    COALESCE("agg_0"."a1", 0) AS "a1",
    CASE WHEN "agg_0"."n_a2" > 0 THEN "agg_0"."a2" ELSE 0 END AS "a2",
    COALESCE("agg_0"."a3", 0) AS "a3",
    COALESCE("agg_0"."a4" > 0, FALSE) AS "a4",
    "agg_0"."a5" AS "a5",
    COALESCE("agg_0"."a7", 0) AS "a7",
    CASE WHEN "agg_0"."n_a8" > 0 THEN "agg_0"."a8" ELSE 0 END AS "a8",
    "agg_0"."a9" AS "a9",
    "agg_0"."a10" AS "a10",
    COALESCE("agg_0"."a11", 0) AS "a11",
    CASE WHEN "agg_0"."n_a12" > 0 THEN "agg_0"."a12" ELSE 0 END AS "a12",
    CASE WHEN "agg_0"."n_a13" > 0 THEN "agg_0"."a13" ELSE 0 END AS "a13",
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
    CAST("a3" AS REAL) / NULLIF(CAST("a1" AS REAL), 0) AS "d6",
    CASE
      WHEN "p_1" IN ('Beijing', '北京')
      THEN 'Beijing'
      WHEN "p_1" IN ('Chengdu', '成都')
      THEN 'Chengdu'
      ELSE "p_1"
    END AS "d13",
    2026 - CAST(STRFTIME('%Y', "p_2") AS INTEGER) - CASE
      WHEN CAST(STRFTIME('%m', "p_2") AS INTEGER) * 100 + CAST(STRFTIME('%d', "p_2") AS INTEGER) > 1101
      THEN 1
      ELSE 0
    END AS "d24"
  FROM "base"
), "lvl_2" AS (
  SELECT
    *,
    CASE
      WHEN FLOOR(
        CAST((
          CAST(STRFTIME('%s', '2026-11-01 00:00:00') AS INTEGER) + (
            CAST(STRFTIME('%f', '2026-11-01 00:00:00') AS REAL) - CAST(STRFTIME('%S', '2026-11-01 00:00:00') AS INTEGER)
          ) - CAST(STRFTIME('%s', "p_0") AS INTEGER) + (
            CAST(STRFTIME('%f', "p_0") AS REAL) - CAST(STRFTIME('%S', "p_0") AS INTEGER)
          )
        ) AS REAL) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        CAST((
          CAST(STRFTIME('%s', '2026-11-01 00:00:00') AS INTEGER) + (
            CAST(STRFTIME('%f', '2026-11-01 00:00:00') AS REAL) - CAST(STRFTIME('%S', '2026-11-01 00:00:00') AS INTEGER)
          ) - CAST(STRFTIME('%s', "a14") AS INTEGER) + (
            CAST(STRFTIME('%f', "a14") AS REAL) - CAST(STRFTIME('%S', "a14") AS INTEGER)
          )
        ) AS REAL) / 86400
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
      WHEN "d6" >= CAST(0.8 AS REAL) AND "a20" >= 3
      THEN 'fanatic'
      WHEN "d6" >= CAST(0.5 AS REAL)
      THEN 'sensitive'
      WHEN "d6" >= CAST(0.2 AS REAL)
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
      CAST((
        CAST(STRFTIME('%s', '2026-11-01 00:00:00') AS INTEGER) + (
          CAST(STRFTIME('%f', '2026-11-01 00:00:00') AS REAL) - CAST(STRFTIME('%S', '2026-11-01 00:00:00') AS INTEGER)
        ) - CAST(STRFTIME('%s', "a5") AS INTEGER) + (
          CAST(STRFTIME('%f', "a5") AS REAL) - CAST(STRFTIME('%S', "a5") AS INTEGER)
        )
      ) AS REAL) / 86400
    ) >= 30
    AND FLOOR(
      CAST((
        CAST(STRFTIME('%s', '2026-11-01 00:00:00') AS INTEGER) + (
          CAST(STRFTIME('%f', '2026-11-01 00:00:00') AS REAL) - CAST(STRFTIME('%S', '2026-11-01 00:00:00') AS INTEGER)
        ) - CAST(STRFTIME('%s', "a5") AS INTEGER) + (
          CAST(STRFTIME('%f', "a5") AS REAL) - CAST(STRFTIME('%S', "a5") AS INTEGER)
        )
      ) AS REAL) / 86400
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
    CAST((
      CAST(STRFTIME('%s', '2026-11-01 00:00:00') AS INTEGER) + (
        CAST(STRFTIME('%f', '2026-11-01 00:00:00') AS REAL) - CAST(STRFTIME('%S', '2026-11-01 00:00:00') AS INTEGER)
      ) - CAST(STRFTIME('%s', "p_0") AS INTEGER) + (
        CAST(STRFTIME('%f', "p_0") AS REAL) - CAST(STRFTIME('%S', "p_0") AS INTEGER)
      )
    ) AS REAL) / 86400
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
    CAST((
      CAST(STRFTIME('%s', '2026-11-01 00:00:00') AS INTEGER) + (
        CAST(STRFTIME('%f', '2026-11-01 00:00:00') AS REAL) - CAST(STRFTIME('%S', '2026-11-01 00:00:00') AS INTEGER)
      ) - CAST(STRFTIME('%s', "a14") AS INTEGER) + (
        CAST(STRFTIME('%f', "a14") AS REAL) - CAST(STRFTIME('%S', "a14") AS INTEGER)
      )
    ) AS REAL) / 86400
  ) AS "d43"
FROM "lvl_2";

CREATE TABLE IF NOT EXISTS "segl_retail_tags" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS REAL) AS "purchases",
  CAST(NULL AS TEXT) AS "last_visit_at",
  CAST(NULL AS REAL) AS "purchases_180d",
  CAST(NULL AS REAL) AS "spend_180d",
  CAST(NULL AS REAL) AS "coupon_share_180d",
  CAST(NULL AS REAL) AS "coupon_claims_90d",
  CAST(NULL AS INTEGER) AS "bought_shiseido_1w",
  CAST(NULL AS TEXT) AS "city",
  CAST(NULL AS REAL) AS "visits_3m",
  CAST(NULL AS TEXT) AS "home_city",
  CAST(NULL AS REAL) AS "visits_30d",
  CAST(NULL AS REAL) AS "weekend_visits_90d",
  CAST(NULL AS TEXT) AS "last_order_at",
  CAST(NULL AS TEXT) AS "top_category",
  CAST(NULL AS REAL) AS "age",
  CAST(NULL AS REAL) AS "balance",
  CAST(NULL AS TEXT) AS "member_level",
  CAST(NULL AS REAL) AS "orders_prev_quarter",
  CAST(NULL AS TEXT) AS "gender",
  CAST(NULL AS REAL) AS "registered_days",
  CAST(NULL AS REAL) AS "push_clicks_30d",
  CAST(NULL AS TEXT) AS "preferred_channel",
  CAST(NULL AS REAL) AS "spend_90d",
  CAST(NULL AS REAL) AS "avg_order_value",
  CAST(NULL AS TEXT) AS "first_brand",
  CAST(NULL AS REAL) AS "shopping_days_90d",
  CAST(NULL AS REAL) AS "spend_this_year",
  CAST(NULL AS REAL) AS "discounted_spend_90d",
  CAST(NULL AS TEXT) AS "value_level",
  CAST(NULL AS TEXT) AS "activity_level",
  CAST(NULL AS REAL) AS "days_since_visit"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_tags"
WHERE
  "as_of" = '2026-11-01 00:00:00';

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
  '2026-11-01 00:00:00',
  "_u",
  CAST("d0" AS REAL),
  CAST("d1" AS TEXT),
  CAST("d3" AS REAL),
  CAST("d4" AS REAL),
  CAST("d6" AS REAL),
  CAST("d7" AS REAL),
  CAST("d9" AS INTEGER),
  CAST("d10" AS TEXT),
  CAST("d11" AS REAL),
  CAST("d13" AS TEXT),
  CAST("d16" AS REAL),
  CAST("d19" AS REAL),
  CAST("d21" AS TEXT),
  CAST("d22" AS TEXT),
  CAST("d24" AS REAL),
  CAST("d26" AS REAL),
  CAST("d27" AS TEXT),
  CAST("d29" AS REAL),
  CAST("d31" AS TEXT),
  CAST("d32" AS REAL),
  CAST("d33" AS REAL),
  CAST("d34" AS TEXT),
  CAST("d35" AS REAL),
  CAST("d36" AS REAL),
  CAST("d37" AS TEXT),
  CAST("d38" AS REAL),
  CAST("d39" AS REAL),
  CAST("d40" AS REAL),
  CAST("d41" AS TEXT),
  CAST("d42" AS TEXT),
  CAST("d43" AS REAL)
FROM "segl_retail_result";

CREATE TABLE IF NOT EXISTS "segl_retail_members" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "segment",
  "_u" AS "user_id"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_members"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_retail_members" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  '2026-11-01 00:00:00',
  'beijing_loyal',
  "_u"
FROM "segl_retail_result"
WHERE
  "d12" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'beijing_loyal_any_spelling',
  "_u"
FROM "segl_retail_result"
WHERE
  "d14" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'loyal_beijing',
  "_u"
FROM "segl_retail_result"
WHERE
  "d15" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'high_value_at_risk',
  "_u"
FROM "segl_retail_result"
WHERE
  "d17" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'coupon_hunters',
  "_u"
FROM "segl_retail_result"
WHERE
  "d18" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'weekend_browsers',
  "_u"
FROM "segl_retail_result"
WHERE
  "d20" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'skincare_fans_no_recent_order',
  "_u"
FROM "segl_retail_result"
WHERE
  "d23" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'young_new_members',
  "_u"
FROM "segl_retail_result"
WHERE
  "d25" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'gold_or_better',
  "_u"
FROM "segl_retail_result"
WHERE
  "d28" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'reactivated',
  "_u"
FROM "segl_retail_result"
WHERE
  "d30" = TRUE;

CREATE TABLE IF NOT EXISTS "segl_retail_layers" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS TEXT) AS "layer"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_layers"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_retail_layers" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  '2026-11-01 00:00:00',
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
  '2026-11-01 00:00:00',
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
  '2026-11-01 00:00:00',
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
  CAST(NULL AS TEXT) AS "project",
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "timezone",
  CAST(NULL AS TEXT) AS "run_at",
  CAST(NULL AS REAL) AS "duration_seconds",
  CAST(NULL AS INTEGER) AS "users",
  CAST(NULL AS TEXT) AS "rules_fingerprint",
  CAST(NULL AS TEXT) AS "segl_version"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_runs"
WHERE
  "project" = 'retail' AND "as_of" = '2026-11-01 00:00:00';

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
  '2026-11-01 00:00:00',
  'Asia/Shanghai',
  STRFTIME('%Y-%m-%d %H:%M:%S+00:00', 'now'),
  CAST(NULL AS REAL),
  CAST(COUNT(*) AS INTEGER),
  '0baeb5cc97517e4b959e252dd7aa24c4c4b2eef5a1b905fee71a0c5f40ddee43',
  'unknown'
FROM "segl_retail_result";

DROP TABLE IF EXISTS "segl_retail_result";

COMMIT;
