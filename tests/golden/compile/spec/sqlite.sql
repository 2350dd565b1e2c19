-- segl: project 'spec', target sqlite
-- as of 2026-11-01 00:00:00 (UTC); window bounds below are literals computed from it
-- results: segl_spec_tags, segl_spec_members, segl_spec_layers, segl_runs

BEGIN TRANSACTION;

CREATE TEMPORARY TABLE "segl_spec_result" AS
WITH "segl_usr" AS (
  SELECT
    "u"."user_id" AS "_u",
    "u"."gender" AS "p_0",
    "u"."city" AS "p_1",
    CAST("u"."balance" AS REAL) AS "p_2",
    CASE
      WHEN "u"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("u"."registered_at" || ' 00:00:00', '+0 days') = "u"."registered_at" || ' 00:00:00'
      THEN "u"."registered_at" || ' 00:00:00'
      WHEN "u"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 5) || ':00'
      THEN SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("u"."registered_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("u"."registered_at", 20) = ''
          OR SUBSTR("u"."registered_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("u"."registered_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(
        SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8),
        '+0 days'
      ) = SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("u"."registered_at", 21), '0') = ''
        THEN SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8)
        ELSE SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8) || '.' || SUBSTR(SUBSTR("u"."registered_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "p_3"
  FROM "users" AS "u"
  WHERE
    NOT (
      "u"."user_id" IS NULL
    )
), "segl_ev_0" AS (
  SELECT
    "user_id" AS "_u",
    CASE
      WHEN "paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("paid_at" || ' 00:00:00', '+0 days') = "paid_at" || ' 00:00:00'
      THEN "paid_at" || ' 00:00:00'
      WHEN "paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 5) || ':00', '+0 days') = SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 5) || ':00'
      THEN SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("paid_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("paid_at", 20) = ''
          OR SUBSTR("paid_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("paid_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8), '+0 days') = SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("paid_at", 21), '0') = ''
        THEN SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8)
        ELSE SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8) || '.' || SUBSTR(SUBSTR("paid_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "_t",
    CAST("amount" AS REAL) AS "c0",
    "brand" AS "c1",
    "coupon_id" AS "c2",
    "category" AS "c3"
  FROM "orders"
  WHERE
    CASE
      WHEN "paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("paid_at" || ' 00:00:00', '+0 days') = "paid_at" || ' 00:00:00'
      THEN "paid_at" || ' 00:00:00'
      WHEN "paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 5) || ':00', '+0 days') = SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 5) || ':00'
      THEN SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("paid_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("paid_at", 20) = ''
          OR SUBSTR("paid_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("paid_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8), '+0 days') = SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("paid_at", 21), '0') = ''
        THEN SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8)
        ELSE SUBSTR("paid_at", 1, 10) || ' ' || SUBSTR("paid_at", 12, 8) || '.' || SUBSTR(SUBSTR("paid_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
), "segl_agg_0" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a0",
    SUM(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN "c0" END) AS "a1",
    COUNT(CASE WHEN "_t" >= '2026-10-25 00:00:00' AND "c1" = 'Shiseido' THEN 1 END) AS "a2",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' AND NOT (
      "c2" IS NULL
    ) THEN 1 END) AS "a3",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN 1 END) AS "a4",
    COUNT(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN "c0" END) AS "n_a1"
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
      "_t" >= '2026-05-05 00:00:00'
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
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC NULLS LAST) AS "r"
    FROM "segl_mfc_a5"
  ) AS "ranked"
  WHERE
    "r" = 1
), "segl_ev_1" AS (
  SELECT
    "user_id" AS "_u",
    CASE
      WHEN "ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("ts" || ' 00:00:00', '+0 days') = "ts" || ' 00:00:00'
      THEN "ts" || ' 00:00:00'
      WHEN "ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00', '+0 days') = SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00'
      THEN SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("ts", 20) = ''
          OR SUBSTR("ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8), '+0 days') = SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("ts", 21), '0') = ''
        THEN SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8)
        ELSE SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8) || '.' || SUBSTR(SUBSTR("ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "_t",
    "name" AS "c0",
    CASE
      WHEN "ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("ts" || ' 00:00:00', '+0 days') = "ts" || ' 00:00:00'
      THEN "ts" || ' 00:00:00'
      WHEN "ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00', '+0 days') = SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00'
      THEN SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("ts", 20) = ''
          OR SUBSTR("ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8), '+0 days') = SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("ts", 21), '0') = ''
        THEN SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8)
        ELSE SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8) || '.' || SUBSTR(SUBSTR("ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "c1"
  FROM "events"
  WHERE
    CASE
      WHEN "ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("ts" || ' 00:00:00', '+0 days') = "ts" || ' 00:00:00'
      THEN "ts" || ' 00:00:00'
      WHEN "ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00', '+0 days') = SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00'
      THEN SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("ts", 20) = ''
          OR SUBSTR("ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8), '+0 days') = SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("ts", 21), '0') = ''
        THEN SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8)
        ELSE SUBSTR("ts", 1, 10) || ' ' || SUBSTR("ts", 12, 8) || '.' || SUBSTR(SUBSTR("ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
), "segl_agg_1" AS (
  SELECT
    "_u" AS "_g",
    COUNT(CASE WHEN "_t" >= '2026-08-01 00:00:00' AND "c0" = 'visit' THEN 1 END) AS "a6",
    MAX(CASE WHEN "c0" = 'visit' THEN "c1" END) AS "a7"
  FROM "segl_ev_1"
  GROUP BY
    "_u"
), "segl_base" AS (
  SELECT
    "segl_usr".*,
    COALESCE("segl_agg_0"."a0", 0) AS "a0",
    CASE WHEN "segl_agg_0"."n_a1" > 0 THEN "segl_agg_0"."a1" ELSE 0 END AS "a1",
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
        CAST((
          (
            CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
              WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
              THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
              ELSE 0
            END
          ) - (
            CAST(STRFTIME('%s', DATETIME("p_3")) AS INTEGER) + CASE
              WHEN SUBSTR("p_3", 20, 1) = '.'
              THEN CAST('0' || SUBSTR("p_3", 20) AS REAL)
              ELSE 0
            END
          )
        ) AS REAL) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        CAST((
          (
            CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
              WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
              THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
              ELSE 0
            END
          ) - (
            CAST(STRFTIME('%s', DATETIME("a7")) AS INTEGER) + CASE
              WHEN SUBSTR("a7", 20, 1) = '.'
              THEN CAST('0' || SUBSTR("a7", 20) AS REAL)
              ELSE 0
            END
          )
        ) AS REAL) / 86400
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
  "p_0" AS "d0",
  "p_1" AS "d1",
  "p_2" AS "d2",
  "a6" AS "d3",
  "a0" AS "d4",
  "a1" AS "d5",
  "a7" AS "d6",
  "a2" AS "d7",
  CAST("a3" AS REAL) / NULLIF(CAST("a4" AS REAL), 0) AS "d8",
  "a5" AS "d9",
  CASE WHEN "a1" >= 5000 THEN 'high' WHEN "a1" >= 1000 THEN 'mid' ELSE 'low' END AS "d10",
  COALESCE("a6" >= 3 AND "a0" >= 1 AND "p_1" = 'Beijing' AND NOT "a2", FALSE) AS "d11",
  "d12",
  COALESCE("d12" = 'loyal' AND "p_1" = 'Beijing', FALSE) AS "d13"
FROM "segl_lvl_1";

CREATE TABLE IF NOT EXISTS "segl_spec_tags" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS TEXT) AS "gender",
  CAST(NULL AS TEXT) AS "city",
  CAST(NULL AS REAL) AS "balance",
  CAST(NULL AS REAL) AS "visits_3m",
  CAST(NULL AS REAL) AS "purchases",
  CAST(NULL AS REAL) AS "spend_90d",
  CAST(NULL AS TEXT) AS "last_visit_at",
  CAST(NULL AS INTEGER) AS "bought_shiseido_1w",
  CAST(NULL AS REAL) AS "coupon_share_180d",
  CAST(NULL AS TEXT) AS "top_category",
  CAST(NULL AS TEXT) AS "value_level"
FROM "segl_spec_result"
WHERE
  1 = 0;

DELETE FROM "segl_spec_tags"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_spec_tags" (
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
  '2026-11-01 00:00:00',
  "_u",
  CAST("d0" AS TEXT),
  CAST("d1" AS TEXT),
  CAST("d2" AS REAL),
  CAST("d3" AS REAL),
  CAST("d4" AS REAL),
  CAST("d5" AS REAL),
  CAST("d6" AS TEXT),
  CAST("d7" AS INTEGER),
  CAST("d8" AS REAL),
  CAST("d9" AS TEXT),
  CAST("d10" AS TEXT)
FROM "segl_spec_result";

CREATE TABLE IF NOT EXISTS "segl_spec_members" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "segment",
  "_u" AS "user_id"
FROM "segl_spec_result"
WHERE
  1 = 0;

DELETE FROM "segl_spec_members"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_spec_members" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  '2026-11-01 00:00:00',
  'beijing_loyal',
  "_u"
FROM "segl_spec_result"
WHERE
  "d11" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'loyal_beijing',
  "_u"
FROM "segl_spec_result"
WHERE
  "d13" = TRUE;

CREATE TABLE IF NOT EXISTS "segl_spec_layers" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS TEXT) AS "layer"
FROM "segl_spec_result"
WHERE
  1 = 0;

DELETE FROM "segl_spec_layers"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_spec_layers" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  '2026-11-01 00:00:00',
  'lifecycle',
  "_u",
  "d12"
FROM "segl_spec_result"
WHERE
  NOT (
    "d12" IS NULL
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
  CAST(NULL AS TEXT) AS "segl_version",
  CAST(NULL AS TEXT) AS "definitions"
FROM "segl_spec_result"
WHERE
  1 = 0;

DELETE FROM "segl_runs"
WHERE
  "project" = 'spec' AND "as_of" = '2026-11-01 00:00:00';

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
  'spec',
  '2026-11-01 00:00:00',
  'UTC',
  STRFTIME('%Y-%m-%d %H:%M:%S+00:00', 'now'),
  CAST(NULL AS REAL),
  CAST(COUNT(*) AS INTEGER),
  '4a517bbbea3889e02855161aa761490883b2d46c0b97788a80e4eb83d14e037d',
  'unknown',
  '{"balance": "2c59bcf5cfa9f4f8", "beijing_loyal": "61ab1ade49e61ef7", "bought_shiseido_1w": "4518aad56ed19214", "city": "9aee588242a23196", "coupon_share_180d": "935260041ac857f5", "gender": "443be76210ae049b", "last_visit_at": "6c98d38d4788908a", "lifecycle": "678f6485abb7676d", "loyal_beijing": "b60fdde03551c17d", "purchases": "ea659ec15178247d", "spend_90d": "093ed7a45812b673", "top_category": "feab6644b5e54a85", "value_level": "3eced886b5e45c76", "visits_3m": "8fe5c08d0eb0c193"}'
FROM "segl_spec_result";

DROP TABLE IF EXISTS "segl_spec_result";

COMMIT;
