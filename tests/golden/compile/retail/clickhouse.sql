-- segl: project 'retail', target clickhouse
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_retail_tags, segl_retail_members, segl_retail_layers, segl_retail_persons, segl_retail_shared_ids, segl_runs
-- journeys are decided by `segl run` only: this script leaves them out
-- alerts are evaluated by `segl run` only: this script leaves them out

SET session_timezone = 'Asia/Shanghai';

CREATE OR REPLACE TABLE "segl_retail_id_links"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    CASE WHEN "y" < "x" THEN "x" ELSE "y" END AS "a",
    CASE WHEN "y" < "x" THEN "y" ELSE "x" END AS "b"
  FROM (
    SELECT
      'member:' || CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "s"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(CASE
          WHEN CASE
            WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
            AND "s"."user_id" > (
              -CAST(1e+19 AS Nullable(Float64))
            )
            THEN CASE
              WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
                -9223372036854775808
              )
              AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
              THEN "s"."user_id" = FLOOR("s"."user_id")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN "s"."user_id"
          ELSE 0
        END AS Nullable(Int64))
      END AS Nullable(String)) AS "x",
      'openid:' || CAST("s"."openid" AS Nullable(String)) AS "y"
    FROM "wechat_bindings" AS "s"
    WHERE
      NOT (
        CAST(CASE
          WHEN CASE
            WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
            AND "s"."user_id" > (
              -CAST(1e+19 AS Nullable(Float64))
            )
            THEN CASE
              WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
                -9223372036854775808
              )
              AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
              THEN "s"."user_id" = FLOOR("s"."user_id")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN CAST(CASE
            WHEN CASE
              WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
              AND "s"."user_id" > (
                -CAST(1e+19 AS Nullable(Float64))
              )
              THEN CASE
                WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
                  -9223372036854775808
                )
                AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
                THEN "s"."user_id" = FLOOR("s"."user_id")
                ELSE FALSE
              END
              ELSE FALSE
            END
            THEN "s"."user_id"
            ELSE 0
          END AS Nullable(Int64))
        END AS Nullable(String)) IS NULL
      )
      AND NOT (
        CAST("s"."openid" AS Nullable(String)) IS NULL
      )
      AND if(
        position(toTypeName("s"."bound_at"), 'String') > 0,
        if(
          match(
            toString("s"."bound_at"),
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
          )
          AND substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."bound_at")) = 16,
                  concat(toString("s"."bound_at"), ':00'),
                  toString("s"."bound_at")
                ),
                6,
                'UTC'
              )
            ),
            1,
            10
          ) = substring(toString("s"."bound_at"), 1, 10)
          AND (
            length(toString("s"."bound_at")) = 10
            OR substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."bound_at")) = 16,
                    concat(toString("s"."bound_at"), ':00'),
                    toString("s"."bound_at")
                  ),
                  6,
                  'UTC'
                )
              ),
              12,
              8
            ) = substring(concat(toString("s"."bound_at"), ':00'), 12, 8)
          ),
          toDateTime64OrNull(
            if(
              length(toString("s"."bound_at")) = 16,
              concat(toString("s"."bound_at"), ':00'),
              toString("s"."bound_at")
            ),
            6,
            'UTC'
          ),
          NULL
        ),
        fromUnixTimestamp64Micro(
          toUnixTimestamp64Micro(toTimeZone(CAST("s"."bound_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."bound_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
          'UTC'
        )
      ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
  ) AS "p"
  WHERE
    "x" <> "y"
  UNION ALL
  SELECT
    CASE WHEN "y" < "x" THEN "x" ELSE "y" END AS "a",
    CASE WHEN "y" < "x" THEN "y" ELSE "x" END AS "b"
  FROM (
    SELECT
      'device:' || CAST("s"."device_id" AS Nullable(String)) AS "x",
      'openid:' || CAST("s"."openid" AS Nullable(String)) AS "y"
    FROM "app_events" AS "s"
    WHERE
      NOT (
        CAST("s"."device_id" AS Nullable(String)) IS NULL
      )
      AND NOT (
        CAST("s"."openid" AS Nullable(String)) IS NULL
      )
      AND if(
        position(toTypeName("s"."ts"), 'String') > 0,
        if(
          match(
            toString("s"."ts"),
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
          )
          AND substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."ts")) = 16,
                  concat(toString("s"."ts"), ':00'),
                  toString("s"."ts")
                ),
                6,
                'UTC'
              )
            ),
            1,
            10
          ) = substring(toString("s"."ts"), 1, 10)
          AND (
            length(toString("s"."ts")) = 10
            OR substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."ts")) = 16,
                    concat(toString("s"."ts"), ':00'),
                    toString("s"."ts")
                  ),
                  6,
                  'UTC'
                )
              ),
              12,
              8
            ) = substring(concat(toString("s"."ts"), ':00'), 12, 8)
          ),
          toDateTime64OrNull(
            if(
              length(toString("s"."ts")) = 16,
              concat(toString("s"."ts"), ':00'),
              toString("s"."ts")
            ),
            6,
            'UTC'
          ),
          NULL
        ),
        fromUnixTimestamp64Micro(
          toUnixTimestamp64Micro(toTimeZone(CAST("s"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
          'UTC'
        )
      ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
  ) AS "p"
  WHERE
    "x" <> "y"
) AS "l";

CREATE OR REPLACE TABLE "segl_retail_id_ids"
ENGINE=Memory AS
SELECT
  "kind" || ':' || "id" AS "n",
  "kind",
  "id",
  "pref"
FROM (
  SELECT
    'member' AS "kind",
    CAST(CASE
      WHEN CASE
        WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
        AND "s"."user_id" > (
          -CAST(1e+19 AS Nullable(Float64))
        )
        THEN CASE
          WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
            -9223372036854775808
          )
          AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
          THEN "s"."user_id" = FLOOR("s"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "s"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN "s"."user_id"
        ELSE 0
      END AS Nullable(Int64))
    END AS Nullable(String)) AS "id",
    0 AS "pref"
  FROM "users" AS "s"
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "s"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(CASE
          WHEN CASE
            WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
            AND "s"."user_id" > (
              -CAST(1e+19 AS Nullable(Float64))
            )
            THEN CASE
              WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
                -9223372036854775808
              )
              AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
              THEN "s"."user_id" = FLOOR("s"."user_id")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN "s"."user_id"
          ELSE 0
        END AS Nullable(Int64))
      END AS Nullable(String)) IS NULL
    )
    AND (
      if(
        position(toTypeName("s"."registered_at"), 'String') > 0,
        if(
          match(
            toString("s"."registered_at"),
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
          )
          AND substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."registered_at")) = 16,
                  concat(toString("s"."registered_at"), ':00'),
                  toString("s"."registered_at")
                ),
                6,
                'UTC'
              )
            ),
            1,
            10
          ) = substring(toString("s"."registered_at"), 1, 10)
          AND (
            length(toString("s"."registered_at")) = 10
            OR substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."registered_at")) = 16,
                    concat(toString("s"."registered_at"), ':00'),
                    toString("s"."registered_at")
                  ),
                  6,
                  'UTC'
                )
              ),
              12,
              8
            ) = substring(concat(toString("s"."registered_at"), ':00'), 12, 8)
          ),
          toDateTime64OrNull(
            if(
              length(toString("s"."registered_at")) = 16,
              concat(toString("s"."registered_at"), ':00'),
              toString("s"."registered_at")
            ),
            6,
            'UTC'
          ),
          NULL
        ),
        fromUnixTimestamp64Micro(
          toUnixTimestamp64Micro(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
          'UTC'
        )
      ) IS NULL
      OR if(
        position(toTypeName("s"."registered_at"), 'String') > 0,
        if(
          match(
            toString("s"."registered_at"),
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
          )
          AND substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."registered_at")) = 16,
                  concat(toString("s"."registered_at"), ':00'),
                  toString("s"."registered_at")
                ),
                6,
                'UTC'
              )
            ),
            1,
            10
          ) = substring(toString("s"."registered_at"), 1, 10)
          AND (
            length(toString("s"."registered_at")) = 10
            OR substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."registered_at")) = 16,
                    concat(toString("s"."registered_at"), ':00'),
                    toString("s"."registered_at")
                  ),
                  6,
                  'UTC'
                )
              ),
              12,
              8
            ) = substring(concat(toString("s"."registered_at"), ':00'), 12, 8)
          ),
          toDateTime64OrNull(
            if(
              length(toString("s"."registered_at")) = 16,
              concat(toString("s"."registered_at"), ':00'),
              toString("s"."registered_at")
            ),
            6,
            'UTC'
          ),
          NULL
        ),
        fromUnixTimestamp64Micro(
          toUnixTimestamp64Micro(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
          'UTC'
        )
      ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    )
  UNION DISTINCT
  SELECT
    'member' AS "kind",
    CAST(CASE
      WHEN CASE
        WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
        AND "s"."user_id" > (
          -CAST(1e+19 AS Nullable(Float64))
        )
        THEN CASE
          WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
            -9223372036854775808
          )
          AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
          THEN "s"."user_id" = FLOOR("s"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "s"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN "s"."user_id"
        ELSE 0
      END AS Nullable(Int64))
    END AS Nullable(String)) AS "id",
    0 AS "pref"
  FROM "wechat_bindings" AS "s"
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "s"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(CASE
          WHEN CASE
            WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
            AND "s"."user_id" > (
              -CAST(1e+19 AS Nullable(Float64))
            )
            THEN CASE
              WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
                -9223372036854775808
              )
              AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
              THEN "s"."user_id" = FLOOR("s"."user_id")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN "s"."user_id"
          ELSE 0
        END AS Nullable(Int64))
      END AS Nullable(String)) IS NULL
    )
    AND if(
      position(toTypeName("s"."bound_at"), 'String') > 0,
      if(
        match(
          toString("s"."bound_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("s"."bound_at")) = 16,
                concat(toString("s"."bound_at"), ':00'),
                toString("s"."bound_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("s"."bound_at"), 1, 10)
        AND (
          length(toString("s"."bound_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."bound_at")) = 16,
                  concat(toString("s"."bound_at"), ':00'),
                  toString("s"."bound_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("s"."bound_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("s"."bound_at")) = 16,
            concat(toString("s"."bound_at"), ':00'),
            toString("s"."bound_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("s"."bound_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."bound_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
  UNION DISTINCT
  SELECT
    'openid' AS "kind",
    CAST("s"."openid" AS Nullable(String)) AS "id",
    1 AS "pref"
  FROM "wechat_bindings" AS "s"
  WHERE
    NOT (
      CAST("s"."openid" AS Nullable(String)) IS NULL
    )
    AND if(
      position(toTypeName("s"."bound_at"), 'String') > 0,
      if(
        match(
          toString("s"."bound_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("s"."bound_at")) = 16,
                concat(toString("s"."bound_at"), ':00'),
                toString("s"."bound_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("s"."bound_at"), 1, 10)
        AND (
          length(toString("s"."bound_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."bound_at")) = 16,
                  concat(toString("s"."bound_at"), ':00'),
                  toString("s"."bound_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("s"."bound_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("s"."bound_at")) = 16,
            concat(toString("s"."bound_at"), ':00'),
            toString("s"."bound_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("s"."bound_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."bound_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
  UNION DISTINCT
  SELECT
    'device' AS "kind",
    CAST("s"."device_id" AS Nullable(String)) AS "id",
    2 AS "pref"
  FROM "app_events" AS "s"
  WHERE
    NOT (
      CAST("s"."device_id" AS Nullable(String)) IS NULL
    )
    AND if(
      position(toTypeName("s"."ts"), 'String') > 0,
      if(
        match(
          toString("s"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("s"."ts")) = 16,
                concat(toString("s"."ts"), ':00'),
                toString("s"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("s"."ts"), 1, 10)
        AND (
          length(toString("s"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."ts")) = 16,
                  concat(toString("s"."ts"), ':00'),
                  toString("s"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("s"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("s"."ts")) = 16,
            concat(toString("s"."ts"), ':00'),
            toString("s"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("s"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
  UNION DISTINCT
  SELECT
    'openid' AS "kind",
    CAST("s"."openid" AS Nullable(String)) AS "id",
    1 AS "pref"
  FROM "app_events" AS "s"
  WHERE
    NOT (
      CAST("s"."openid" AS Nullable(String)) IS NULL
    )
    AND if(
      position(toTypeName("s"."ts"), 'String') > 0,
      if(
        match(
          toString("s"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("s"."ts")) = 16,
                concat(toString("s"."ts"), ':00'),
                toString("s"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("s"."ts"), 1, 10)
        AND (
          length(toString("s"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("s"."ts")) = 16,
                  concat(toString("s"."ts"), ':00'),
                  toString("s"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("s"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("s"."ts")) = 16,
            concat(toString("s"."ts"), ':00'),
            toString("s"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("s"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
) AS "i";

CREATE OR REPLACE TABLE "segl_retail_id_shared"
ENGINE=Memory AS
SELECT
  "n",
  COUNT(*) AS "links"
FROM (
  SELECT
    "a" AS "n"
  FROM "segl_retail_id_links"
  UNION ALL
  SELECT
    "b" AS "n"
  FROM "segl_retail_id_links"
) AS "d"
GROUP BY
  "n"
HAVING
  COUNT(*) > 20;

CREATE OR REPLACE TABLE "segl_retail_id_e0"
ENGINE=Memory AS
SELECT
  "a",
  "b"
FROM "segl_retail_id_links"
WHERE
  NOT (
    "a" IN (
      SELECT
        "n"
      FROM "segl_retail_id_shared"
    )
  )
  AND NOT (
    "b" IN (
      SELECT
        "n"
      FROM "segl_retail_id_shared"
    )
  );

CREATE OR REPLACE TABLE "segl_retail_id_e1"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e0"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e0"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e0"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e0"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e2"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e1" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e1"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e1"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e1";

DROP TABLE IF EXISTS "segl_retail_id_e0";

CREATE OR REPLACE TABLE "segl_retail_id_e3"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e2"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e2"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e2"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e2"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e4"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e3" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e3"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e3"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e3";

DROP TABLE IF EXISTS "segl_retail_id_e2";

CREATE OR REPLACE TABLE "segl_retail_id_e5"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e4"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e4"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e4"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e4"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e6"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e5" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e5"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e5"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e5";

DROP TABLE IF EXISTS "segl_retail_id_e4";

CREATE OR REPLACE TABLE "segl_retail_id_e7"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e6"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e6"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e6"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e6"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e8"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e7" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e7"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e7"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e7";

DROP TABLE IF EXISTS "segl_retail_id_e6";

CREATE OR REPLACE TABLE "segl_retail_id_e9"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e8"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e8"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e8"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e8"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e10"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e9" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e9"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e9"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e9";

DROP TABLE IF EXISTS "segl_retail_id_e8";

CREATE OR REPLACE TABLE "segl_retail_id_e11"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e10"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e10"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e10"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e10"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e12"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e11" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e11"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e11"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e11";

DROP TABLE IF EXISTS "segl_retail_id_e10";

CREATE OR REPLACE TABLE "segl_retail_id_e13"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e12"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e12"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e12"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e12"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e14"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e13" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e13"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e13"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e13";

DROP TABLE IF EXISTS "segl_retail_id_e12";

CREATE OR REPLACE TABLE "segl_retail_id_e15"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e14"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e14"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e14"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e14"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e16"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e15" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e15"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e15"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e15";

DROP TABLE IF EXISTS "segl_retail_id_e14";

CREATE OR REPLACE TABLE "segl_retail_id_e17"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e16"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e16"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e16"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e16"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e18"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e17" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e17"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e17"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e17";

DROP TABLE IF EXISTS "segl_retail_id_e16";

CREATE OR REPLACE TABLE "segl_retail_id_e19"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e18"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e18"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e18"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e18"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e20"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e19" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e19"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e19"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e19";

DROP TABLE IF EXISTS "segl_retail_id_e18";

CREATE OR REPLACE TABLE "segl_retail_id_e21"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e20"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e20"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e20"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e20"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e22"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e21" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e21"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e21"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e21";

DROP TABLE IF EXISTS "segl_retail_id_e20";

CREATE OR REPLACE TABLE "segl_retail_id_e23"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e22"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e22"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e22"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e22"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e24"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e23" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e23"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e23"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e23";

DROP TABLE IF EXISTS "segl_retail_id_e22";

CREATE OR REPLACE TABLE "segl_retail_id_e25"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e24"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e24"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e24"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e24"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e26"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e25" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e25"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e25"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e25";

DROP TABLE IF EXISTS "segl_retail_id_e24";

CREATE OR REPLACE TABLE "segl_retail_id_e27"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e26"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e26"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e26"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e26"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e28"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e27" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e27"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e27"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e27";

DROP TABLE IF EXISTS "segl_retail_id_e26";

CREATE OR REPLACE TABLE "segl_retail_id_e29"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e28"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e28"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e28"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e28"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e30"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e29" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e29"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e29"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e29";

DROP TABLE IF EXISTS "segl_retail_id_e28";

CREATE OR REPLACE TABLE "segl_retail_id_e31"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e30"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e30"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e30"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e30"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e32"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e31" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e31"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e31"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e31";

DROP TABLE IF EXISTS "segl_retail_id_e30";

CREATE OR REPLACE TABLE "segl_retail_id_e33"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e32"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e32"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e32"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e32"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e34"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e33" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e33"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e33"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e33";

DROP TABLE IF EXISTS "segl_retail_id_e32";

CREATE OR REPLACE TABLE "segl_retail_id_e35"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e34"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e34"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e34"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e34"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e36"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e35" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e35"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e35"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e35";

DROP TABLE IF EXISTS "segl_retail_id_e34";

CREATE OR REPLACE TABLE "segl_retail_id_e37"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e36"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e36"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e36"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e36"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e38"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e37" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e37"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e37"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e37";

DROP TABLE IF EXISTS "segl_retail_id_e36";

CREATE OR REPLACE TABLE "segl_retail_id_e39"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e38"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e38"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e38"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e38"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e40"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e39" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e39"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e39"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e39";

DROP TABLE IF EXISTS "segl_retail_id_e38";

CREATE OR REPLACE TABLE "segl_retail_id_e41"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e40"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e40"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e40"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e40"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e42"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e41" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e41"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e41"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e41";

DROP TABLE IF EXISTS "segl_retail_id_e40";

CREATE OR REPLACE TABLE "segl_retail_id_e43"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e42"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e42"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e42"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e42"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e44"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e43" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e43"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e43"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e43";

DROP TABLE IF EXISTS "segl_retail_id_e42";

CREATE OR REPLACE TABLE "segl_retail_id_e45"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e44"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e44"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e44"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e44"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e46"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e45" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e45"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e45"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e45";

DROP TABLE IF EXISTS "segl_retail_id_e44";

CREATE OR REPLACE TABLE "segl_retail_id_e47"
ENGINE=Memory AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e46"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e46"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e46"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e46"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE OR REPLACE TABLE "segl_retail_id_e48"
ENGINE=Memory AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e47" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e47"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e47"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e47";

DROP TABLE IF EXISTS "segl_retail_id_e46";

CREATE OR REPLACE TABLE "segl_retail_id_labels"
ENGINE=Memory AS
SELECT
  "i"."n" AS "n",
  "i"."kind" AS "kind",
  "i"."id" AS "id",
  "i"."pref" AS "pref",
  COALESCE("l"."c", "i"."n") AS "c"
FROM "segl_retail_id_ids" AS "i"
LEFT JOIN (
  SELECT
    "a",
    MIN("b") AS "c"
  FROM "segl_retail_id_e48"
  GROUP BY
    "a"
) AS "l"
  ON "l"."a" = "i"."n";

CREATE OR REPLACE TABLE "segl_retail_id_map"
ENGINE=Memory AS
SELECT
  "l"."kind" AS "kind",
  "l"."id" AS "id",
  CASE
    WHEN "k"."kind" = 'member'
    AND NOT (
      startsWith("k"."id", 'member:')
      OR startsWith("k"."id", 'openid:')
      OR startsWith("k"."id", 'device:')
    )
    THEN "k"."id"
    ELSE "k"."kind" || ':' || "k"."id"
  END AS "person"
FROM "segl_retail_id_labels" AS "l"
INNER JOIN (
  SELECT
    "l"."c" AS "c",
    "l"."kind" AS "kind",
    MIN("l"."id") AS "id"
  FROM "segl_retail_id_labels" AS "l"
  INNER JOIN (
    SELECT
      "c",
      MIN("pref") AS "pref"
    FROM "segl_retail_id_labels"
    GROUP BY
      "c"
  ) AS "b"
    ON "b"."c" = "l"."c" AND "b"."pref" = "l"."pref"
  GROUP BY
    "l"."c",
    "l"."kind"
) AS "k"
  ON "k"."c" = "l"."c";

DROP TABLE IF EXISTS "segl_retail_id_e48";

DROP TABLE IF EXISTS "segl_retail_id_labels";

CREATE OR REPLACE TABLE "segl_retail_result"
ENGINE=Memory AS
WITH "segl_usr" AS (
  SELECT
    "u"."_pu" AS "_u",
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
    ) AS "p_0",
    if(
      (
        position(toTypeName("u"."city"), 'Enum') > 0
        OR position(toTypeName("u"."city"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("u"."city" AS Nullable(String)), '\\x00+$', ''),
      "u"."city"
    ) AS "p_1",
    CAST("u"."birthday" AS Nullable(Date32)) AS "p_2",
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
    ) AS "p_3",
    if(
      (
        position(toTypeName("u"."gender"), 'Enum') > 0
        OR position(toTypeName("u"."gender"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("u"."gender" AS Nullable(String)), '\\x00+$', ''),
      "u"."gender"
    ) AS "p_4",
    if(
      (
        position(toTypeName("u"."tz"), 'Enum') > 0
        OR position(toTypeName("u"."tz"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("u"."tz" AS Nullable(String)), '\\x00+$', ''),
      "u"."tz"
    ) AS "p_5",
    if(
      (
        position(toTypeName("p0"."level"), 'Enum') > 0
        OR position(toTypeName("p0"."level"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("p0"."level" AS Nullable(String)), '\\x00+$', ''),
      "p0"."level"
    ) AS "p_6"
  FROM (
    SELECT
      "s".*,
      "m"."person" AS "_pu",
      ROW_NUMBER() OVER (PARTITION BY "m"."person" ORDER BY "m"."id") AS "_first"
    FROM "users" AS "s"
    INNER JOIN "segl_retail_id_map" AS "m"
      ON "m"."kind" = 'member'
      AND "m"."id" = CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "s"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(CASE
          WHEN CASE
            WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
            AND "s"."user_id" > (
              -CAST(1e+19 AS Nullable(Float64))
            )
            THEN CASE
              WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
                -9223372036854775808
              )
              AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
              THEN "s"."user_id" = FLOOR("s"."user_id")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN "s"."user_id"
          ELSE 0
        END AS Nullable(Int64))
      END AS Nullable(String))
    WHERE
      NOT (
        if(isNaN("s"."user_id"), NULL, "s"."user_id") IS NULL
      )
      AND (
        if(
          position(toTypeName("s"."registered_at"), 'String') > 0,
          if(
            match(
              toString("s"."registered_at"),
              '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
            )
            AND substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."registered_at")) = 16,
                    concat(toString("s"."registered_at"), ':00'),
                    toString("s"."registered_at")
                  ),
                  6,
                  'UTC'
                )
              ),
              1,
              10
            ) = substring(toString("s"."registered_at"), 1, 10)
            AND (
              length(toString("s"."registered_at")) = 10
              OR substring(
                toString(
                  toDateTime64OrNull(
                    if(
                      length(toString("s"."registered_at")) = 16,
                      concat(toString("s"."registered_at"), ':00'),
                      toString("s"."registered_at")
                    ),
                    6,
                    'UTC'
                  )
                ),
                12,
                8
              ) = substring(concat(toString("s"."registered_at"), ':00'), 12, 8)
            ),
            toDateTime64OrNull(
              if(
                length(toString("s"."registered_at")) = 16,
                concat(toString("s"."registered_at"), ':00'),
                toString("s"."registered_at")
              ),
              6,
              'UTC'
            ),
            NULL
          ),
          fromUnixTimestamp64Micro(
            toUnixTimestamp64Micro(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
            'UTC'
          )
        ) IS NULL
        OR if(
          position(toTypeName("s"."registered_at"), 'String') > 0,
          if(
            match(
              toString("s"."registered_at"),
              '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
            )
            AND substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."registered_at")) = 16,
                    concat(toString("s"."registered_at"), ':00'),
                    toString("s"."registered_at")
                  ),
                  6,
                  'UTC'
                )
              ),
              1,
              10
            ) = substring(toString("s"."registered_at"), 1, 10)
            AND (
              length(toString("s"."registered_at")) = 10
              OR substring(
                toString(
                  toDateTime64OrNull(
                    if(
                      length(toString("s"."registered_at")) = 16,
                      concat(toString("s"."registered_at"), ':00'),
                      toString("s"."registered_at")
                    ),
                    6,
                    'UTC'
                  )
                ),
                12,
                8
              ) = substring(concat(toString("s"."registered_at"), ':00'), 12, 8)
            ),
            toDateTime64OrNull(
              if(
                length(toString("s"."registered_at")) = 16,
                concat(toString("s"."registered_at"), ':00'),
                toString("s"."registered_at")
              ),
              6,
              'UTC'
            ),
            NULL
          ),
          fromUnixTimestamp64Micro(
            toUnixTimestamp64Micro(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."registered_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
            'UTC'
          )
        ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
      )
  ) AS "u"
  LEFT JOIN (
    SELECT
      "s".*,
      "m"."person" AS "_pu",
      ROW_NUMBER() OVER (PARTITION BY "m"."person" ORDER BY "m"."id") AS "_first"
    FROM "membership_history" AS "s"
    INNER JOIN "segl_retail_id_map" AS "m"
      ON "m"."kind" = 'member'
      AND "m"."id" = CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "s"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(CASE
          WHEN CASE
            WHEN "s"."user_id" < CAST(1e+19 AS Nullable(Float64))
            AND "s"."user_id" > (
              -CAST(1e+19 AS Nullable(Float64))
            )
            THEN CASE
              WHEN CAST("s"."user_id" AS Nullable(Decimal(38, 0))) >= (
                -9223372036854775808
              )
              AND CAST("s"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
              THEN "s"."user_id" = FLOOR("s"."user_id")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN "s"."user_id"
          ELSE 0
        END AS Nullable(Int64))
      END AS Nullable(String))
    WHERE
      NOT (
        if(isNaN("s"."user_id"), NULL, "s"."user_id") IS NULL
      )
      AND (
        if(
          position(toTypeName("s"."valid_from"), 'String') > 0,
          if(
            match(
              toString("s"."valid_from"),
              '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
            )
            AND substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."valid_from")) = 16,
                    concat(toString("s"."valid_from"), ':00'),
                    toString("s"."valid_from")
                  ),
                  6,
                  'UTC'
                )
              ),
              1,
              10
            ) = substring(toString("s"."valid_from"), 1, 10)
            AND (
              length(toString("s"."valid_from")) = 10
              OR substring(
                toString(
                  toDateTime64OrNull(
                    if(
                      length(toString("s"."valid_from")) = 16,
                      concat(toString("s"."valid_from"), ':00'),
                      toString("s"."valid_from")
                    ),
                    6,
                    'UTC'
                  )
                ),
                12,
                8
              ) = substring(concat(toString("s"."valid_from"), ':00'), 12, 8)
            ),
            toDateTime64OrNull(
              if(
                length(toString("s"."valid_from")) = 16,
                concat(toString("s"."valid_from"), ':00'),
                toString("s"."valid_from")
              ),
              6,
              'UTC'
            ),
            NULL
          ),
          fromUnixTimestamp64Micro(
            toUnixTimestamp64Micro(toTimeZone(CAST("s"."valid_from" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."valid_from" AS Nullable(DateTime64(6))), timezone())) * 1000000,
            'UTC'
          )
        ) IS NULL
        OR if(
          position(toTypeName("s"."valid_from"), 'String') > 0,
          if(
            match(
              toString("s"."valid_from"),
              '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
            )
            AND substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."valid_from")) = 16,
                    concat(toString("s"."valid_from"), ':00'),
                    toString("s"."valid_from")
                  ),
                  6,
                  'UTC'
                )
              ),
              1,
              10
            ) = substring(toString("s"."valid_from"), 1, 10)
            AND (
              length(toString("s"."valid_from")) = 10
              OR substring(
                toString(
                  toDateTime64OrNull(
                    if(
                      length(toString("s"."valid_from")) = 16,
                      concat(toString("s"."valid_from"), ':00'),
                      toString("s"."valid_from")
                    ),
                    6,
                    'UTC'
                  )
                ),
                12,
                8
              ) = substring(concat(toString("s"."valid_from"), ':00'), 12, 8)
            ),
            toDateTime64OrNull(
              if(
                length(toString("s"."valid_from")) = 16,
                concat(toString("s"."valid_from"), ':00'),
                toString("s"."valid_from")
              ),
              6,
              'UTC'
            ),
            NULL
          ),
          fromUnixTimestamp64Micro(
            toUnixTimestamp64Micro(toTimeZone(CAST("s"."valid_from" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."valid_from" AS Nullable(DateTime64(6))), timezone())) * 1000000,
            'UTC'
          )
        ) <= CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
      )
      AND (
        if(
          position(toTypeName("s"."valid_to"), 'String') > 0,
          if(
            match(
              toString("s"."valid_to"),
              '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
            )
            AND substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."valid_to")) = 16,
                    concat(toString("s"."valid_to"), ':00'),
                    toString("s"."valid_to")
                  ),
                  6,
                  'UTC'
                )
              ),
              1,
              10
            ) = substring(toString("s"."valid_to"), 1, 10)
            AND (
              length(toString("s"."valid_to")) = 10
              OR substring(
                toString(
                  toDateTime64OrNull(
                    if(
                      length(toString("s"."valid_to")) = 16,
                      concat(toString("s"."valid_to"), ':00'),
                      toString("s"."valid_to")
                    ),
                    6,
                    'UTC'
                  )
                ),
                12,
                8
              ) = substring(concat(toString("s"."valid_to"), ':00'), 12, 8)
            ),
            toDateTime64OrNull(
              if(
                length(toString("s"."valid_to")) = 16,
                concat(toString("s"."valid_to"), ':00'),
                toString("s"."valid_to")
              ),
              6,
              'UTC'
            ),
            NULL
          ),
          fromUnixTimestamp64Micro(
            toUnixTimestamp64Micro(toTimeZone(CAST("s"."valid_to" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."valid_to" AS Nullable(DateTime64(6))), timezone())) * 1000000,
            'UTC'
          )
        ) IS NULL
        OR CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))) < if(
          position(toTypeName("s"."valid_to"), 'String') > 0,
          if(
            match(
              toString("s"."valid_to"),
              '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
            )
            AND substring(
              toString(
                toDateTime64OrNull(
                  if(
                    length(toString("s"."valid_to")) = 16,
                    concat(toString("s"."valid_to"), ':00'),
                    toString("s"."valid_to")
                  ),
                  6,
                  'UTC'
                )
              ),
              1,
              10
            ) = substring(toString("s"."valid_to"), 1, 10)
            AND (
              length(toString("s"."valid_to")) = 10
              OR substring(
                toString(
                  toDateTime64OrNull(
                    if(
                      length(toString("s"."valid_to")) = 16,
                      concat(toString("s"."valid_to"), ':00'),
                      toString("s"."valid_to")
                    ),
                    6,
                    'UTC'
                  )
                ),
                12,
                8
              ) = substring(concat(toString("s"."valid_to"), ':00'), 12, 8)
            ),
            toDateTime64OrNull(
              if(
                length(toString("s"."valid_to")) = 16,
                concat(toString("s"."valid_to"), ':00'),
                toString("s"."valid_to")
              ),
              6,
              'UTC'
            ),
            NULL
          ),
          fromUnixTimestamp64Micro(
            toUnixTimestamp64Micro(toTimeZone(CAST("s"."valid_to" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("s"."valid_to" AS Nullable(DateTime64(6))), timezone())) * 1000000,
            'UTC'
          )
        )
      )
  ) AS "p0"
    ON "p0"."_pu" = "u"."_pu" AND "p0"."_first" = 1
  WHERE
    "u"."_first" = 1
), "segl_ev_0" AS (
  SELECT
    "m"."person" AS "_u",
    if(
      position(toTypeName("e"."paid_at"), 'String') > 0,
      if(
        match(
          toString("e"."paid_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."paid_at")) = 16,
                concat(toString("e"."paid_at"), ':00'),
                toString("e"."paid_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."paid_at"), 1, 10)
        AND (
          length(toString("e"."paid_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."paid_at")) = 16,
                  concat(toString("e"."paid_at"), ':00'),
                  toString("e"."paid_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."paid_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."paid_at")) = 16,
            concat(toString("e"."paid_at"), ':00'),
            toString("e"."paid_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t",
    if(
      isNaN(
        if(
          position(toTypeName("e"."amount"), 'Decimal') > 0,
          toFloat64OrNull(toString("e"."amount")),
          CAST("e"."amount" AS Nullable(Float64))
        )
      ),
      NULL,
      if(
        position(toTypeName("e"."amount"), 'Decimal') > 0,
        toFloat64OrNull(toString("e"."amount")),
        CAST("e"."amount" AS Nullable(Float64))
      )
    ) AS "c0",
    if(
      (
        position(toTypeName("e"."coupon_id"), 'Enum') > 0
        OR position(toTypeName("e"."coupon_id"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("e"."coupon_id" AS Nullable(String)), '\\x00+$', ''),
      "e"."coupon_id"
    ) AS "c1",
    if(
      (
        position(toTypeName("e"."brand"), 'Enum') > 0
        OR position(toTypeName("e"."brand"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("e"."brand" AS Nullable(String)), '\\x00+$', ''),
      "e"."brand"
    ) AS "c2",
    if(
      position(toTypeName("e"."paid_at"), 'String') > 0,
      if(
        match(
          toString("e"."paid_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."paid_at")) = 16,
                concat(toString("e"."paid_at"), ':00'),
                toString("e"."paid_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."paid_at"), 1, 10)
        AND (
          length(toString("e"."paid_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."paid_at")) = 16,
                  concat(toString("e"."paid_at"), ':00'),
                  toString("e"."paid_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."paid_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."paid_at")) = 16,
            concat(toString("e"."paid_at"), ':00'),
            toString("e"."paid_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "c3",
    if(
      (
        position(toTypeName("e"."category"), 'Enum') > 0
        OR position(toTypeName("e"."category"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("e"."category" AS Nullable(String)), '\\x00+$', ''),
      "e"."category"
    ) AS "c4",
    "w"."p_0" AS "u0"
  FROM "orders" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
        AND "e"."user_id" > (
          -CAST(1e+19 AS Nullable(Float64))
        )
        THEN CASE
          WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
            -9223372036854775808
          )
          AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(CASE
        WHEN CASE
          WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "e"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "e"."user_id" = FLOOR("e"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN "e"."user_id"
        ELSE 0
      END AS Nullable(Int64))
    END AS Nullable(String))
  INNER JOIN "segl_usr" AS "w"
    ON "w"."_u" = "m"."person"
  WHERE
    if(
      position(toTypeName("e"."paid_at"), 'String') > 0,
      if(
        match(
          toString("e"."paid_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."paid_at")) = 16,
                concat(toString("e"."paid_at"), ':00'),
                toString("e"."paid_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."paid_at"), 1, 10)
        AND (
          length(toString("e"."paid_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."paid_at")) = 16,
                  concat(toString("e"."paid_at"), ':00'),
                  toString("e"."paid_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."paid_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."paid_at")) = 16,
            concat(toString("e"."paid_at"), ':00'),
            toString("e"."paid_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."paid_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."paid_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "segl_evr_0" AS (
  SELECT
    *,
    MAX("_t") OVER (PARTITION BY "_u") AS "t_a13",
    MIN("_t") OVER (PARTITION BY "_u") AS "t_a14"
  FROM "segl_ev_0"
), "segl_agg_0" AS (
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
        WHEN "_t" >= CAST('2025-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "_t" < CAST('2026-07-04 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a4",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-07-04 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "_t" < CAST('2026-10-02 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a5",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-25 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c2" = 'Shiseido'
        THEN 1
      END
    ) AS "a6",
    MAX("c3") AS "a7",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "_t" < CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a9",
    COUNT(
      CASE
        WHEN FLOOR(
          (
            (
              toUnixTimestamp64Micro(toDateTime64("c3", 6)) - toUnixTimestamp64Micro(toDateTime64("u0", 6))
            ) / 1000000.0
          ) / 86400
        ) < 7
        THEN 1
      END
    ) AS "a10",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a11",
    AVG(
      CASE
        WHEN "_t" >= CAST('2026-05-05 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a12",
    MAX(CASE WHEN "_t" = "t_a13" THEN "c4" END) AS "a13",
    MIN(CASE WHEN "_t" = "t_a14" THEN "c2" END) AS "a14",
    COUNT(
      DISTINCT CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN CAST("c3" AS Nullable(Date32))
      END
    ) AS "a15",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-01-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c0"
      END
    ) AS "a16",
    SUM(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" IS NULL
        THEN "c0" * CAST(0.9 AS Nullable(Float64))
      END
    ) AS "a17",
    MIN("c3") AS "a18"
  FROM "segl_evr_0"
  GROUP BY
    "_u"
), "segl_mfc_a8" AS (
  SELECT
    "_u",
    "v",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "_u",
      "c4" AS "v"
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
), "segl_mf_a8" AS (
  SELECT
    "_u" AS "_g",
    "v" AS "a8"
  FROM (
    SELECT
      "_u",
      "v",
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC) AS "r"
    FROM "segl_mfc_a8"
  ) AS "ranked"
  WHERE
    "r" = 1
), "segl_ev_1" AS (
  SELECT
    "m"."person" AS "_u",
    if(
      position(toTypeName("e"."ts"), 'String') > 0,
      if(
        match(
          toString("e"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."ts")) = 16,
                concat(toString("e"."ts"), ':00'),
                toString("e"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."ts"), 1, 10)
        AND (
          length(toString("e"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."ts")) = 16,
                  concat(toString("e"."ts"), ':00'),
                  toString("e"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."ts")) = 16,
            concat(toString("e"."ts"), ':00'),
            toString("e"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t",
    if(
      position(toTypeName("e"."ts"), 'String') > 0,
      if(
        match(
          toString("e"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."ts")) = 16,
                concat(toString("e"."ts"), ':00'),
                toString("e"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."ts"), 1, 10)
        AND (
          length(toString("e"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."ts")) = 16,
                  concat(toString("e"."ts"), ':00'),
                  toString("e"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."ts")) = 16,
            concat(toString("e"."ts"), ':00'),
            toString("e"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "c0",
    if(
      (
        position(toTypeName("e"."name"), 'Enum') > 0
        OR position(toTypeName("e"."name"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("e"."name" AS Nullable(String)), '\\x00+$', ''),
      "e"."name"
    ) AS "c1",
    if(
      (
        position(toTypeName("e"."channel"), 'Enum') > 0
        OR position(toTypeName("e"."channel"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("e"."channel" AS Nullable(String)), '\\x00+$', ''),
      "e"."channel"
    ) AS "c2"
  FROM "events" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
        AND "e"."user_id" > (
          -CAST(1e+19 AS Nullable(Float64))
        )
        THEN CASE
          WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
            -9223372036854775808
          )
          AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(CASE
        WHEN CASE
          WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "e"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "e"."user_id" = FLOOR("e"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN "e"."user_id"
        ELSE 0
      END AS Nullable(Int64))
    END AS Nullable(String))
  WHERE
    if(
      position(toTypeName("e"."ts"), 'String') > 0,
      if(
        match(
          toString("e"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."ts")) = 16,
                concat(toString("e"."ts"), ':00'),
                toString("e"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."ts"), 1, 10)
        AND (
          length(toString("e"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."ts")) = 16,
                  concat(toString("e"."ts"), ':00'),
                  toString("e"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."ts")) = 16,
            concat(toString("e"."ts"), ':00'),
            toString("e"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "segl_agg_1" AS (
  SELECT
    "_u" AS "_g",
    MAX(CASE WHEN "c1" = 'visit' THEN "c0" END) AS "a19",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'visit'
        THEN 1
      END
    ) AS "a20",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-02 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'visit'
        THEN 1
      END
    ) AS "a21",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND (
          "c1" = 'visit' AND toDayOfWeek("c0") >= 6
        )
        THEN 1
      END
    ) AS "a22",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-10-02 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        AND "c1" = 'push_click'
        THEN 1
      END
    ) AS "a23"
  FROM "segl_ev_1"
  GROUP BY
    "_u"
), "segl_mfc_a24" AS (
  SELECT
    "_u",
    "v",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "_u",
      "c2" AS "v"
    FROM "segl_ev_1"
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
), "segl_mf_a24" AS (
  SELECT
    "_u" AS "_g",
    "v" AS "a24"
  FROM (
    SELECT
      "_u",
      "v",
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC) AS "r"
    FROM "segl_mfc_a24"
  ) AS "ranked"
  WHERE
    "r" = 1
), "segl_ev_2" AS (
  SELECT
    "m"."person" AS "_u",
    if(
      position(toTypeName("e"."claimed_at"), 'String') > 0,
      if(
        match(
          toString("e"."claimed_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."claimed_at")) = 16,
                concat(toString("e"."claimed_at"), ':00'),
                toString("e"."claimed_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."claimed_at"), 1, 10)
        AND (
          length(toString("e"."claimed_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."claimed_at")) = 16,
                  concat(toString("e"."claimed_at"), ':00'),
                  toString("e"."claimed_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."claimed_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."claimed_at")) = 16,
            concat(toString("e"."claimed_at"), ':00'),
            toString("e"."claimed_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."claimed_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."claimed_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t"
  FROM "coupons" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
        AND "e"."user_id" > (
          -CAST(1e+19 AS Nullable(Float64))
        )
        THEN CASE
          WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
            -9223372036854775808
          )
          AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(CASE
        WHEN CASE
          WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "e"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "e"."user_id" = FLOOR("e"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN "e"."user_id"
        ELSE 0
      END AS Nullable(Int64))
    END AS Nullable(String))
  WHERE
    if(
      position(toTypeName("e"."claimed_at"), 'String') > 0,
      if(
        match(
          toString("e"."claimed_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."claimed_at")) = 16,
                concat(toString("e"."claimed_at"), ':00'),
                toString("e"."claimed_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."claimed_at"), 1, 10)
        AND (
          length(toString("e"."claimed_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."claimed_at")) = 16,
                  concat(toString("e"."claimed_at"), ':00'),
                  toString("e"."claimed_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."claimed_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."claimed_at")) = 16,
            concat(toString("e"."claimed_at"), ':00'),
            toString("e"."claimed_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."claimed_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."claimed_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    AND if(
      position(toTypeName("e"."claimed_at"), 'String') > 0,
      if(
        match(
          toString("e"."claimed_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."claimed_at")) = 16,
                concat(toString("e"."claimed_at"), ':00'),
                toString("e"."claimed_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."claimed_at"), 1, 10)
        AND (
          length(toString("e"."claimed_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."claimed_at")) = 16,
                  concat(toString("e"."claimed_at"), ':00'),
                  toString("e"."claimed_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."claimed_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."claimed_at")) = 16,
            concat(toString("e"."claimed_at"), ':00'),
            toString("e"."claimed_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."claimed_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."claimed_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "segl_agg_2" AS (
  SELECT
    "_u" AS "_g",
    COUNT(
      CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN 1
      END
    ) AS "a25"
  FROM "segl_ev_2"
  GROUP BY
    "_u"
), "segl_ev_3" AS (
  SELECT
    "m"."person" AS "_u",
    if(
      position(toTypeName("e"."bound_at"), 'String') > 0,
      if(
        match(
          toString("e"."bound_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."bound_at")) = 16,
                concat(toString("e"."bound_at"), ':00'),
                toString("e"."bound_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."bound_at"), 1, 10)
        AND (
          length(toString("e"."bound_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."bound_at")) = 16,
                  concat(toString("e"."bound_at"), ':00'),
                  toString("e"."bound_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."bound_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."bound_at")) = 16,
            concat(toString("e"."bound_at"), ':00'),
            toString("e"."bound_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."bound_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."bound_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t"
  FROM "wechat_bindings" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
        AND "e"."user_id" > (
          -CAST(1e+19 AS Nullable(Float64))
        )
        THEN CASE
          WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
            -9223372036854775808
          )
          AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(CASE
        WHEN CASE
          WHEN "e"."user_id" < CAST(1e+19 AS Nullable(Float64))
          AND "e"."user_id" > (
            -CAST(1e+19 AS Nullable(Float64))
          )
          THEN CASE
            WHEN CAST("e"."user_id" AS Nullable(Decimal(38, 0))) >= (
              -9223372036854775808
            )
            AND CAST("e"."user_id" AS Nullable(Decimal(38, 0))) < 9223372036854775808
            THEN "e"."user_id" = FLOOR("e"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN "e"."user_id"
        ELSE 0
      END AS Nullable(Int64))
    END AS Nullable(String))
  WHERE
    if(
      position(toTypeName("e"."bound_at"), 'String') > 0,
      if(
        match(
          toString("e"."bound_at"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."bound_at")) = 16,
                concat(toString("e"."bound_at"), ':00'),
                toString("e"."bound_at")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."bound_at"), 1, 10)
        AND (
          length(toString("e"."bound_at")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."bound_at")) = 16,
                  concat(toString("e"."bound_at"), ':00'),
                  toString("e"."bound_at")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."bound_at"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."bound_at")) = 16,
            concat(toString("e"."bound_at"), ':00'),
            toString("e"."bound_at")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."bound_at" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."bound_at" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "segl_agg_3" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a26"
  FROM "segl_ev_3"
  GROUP BY
    "_u"
), "segl_ev_4" AS (
  SELECT
    "m"."person" AS "_u",
    if(
      position(toTypeName("e"."ts"), 'String') > 0,
      if(
        match(
          toString("e"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."ts")) = 16,
                concat(toString("e"."ts"), ':00'),
                toString("e"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."ts"), 1, 10)
        AND (
          length(toString("e"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."ts")) = 16,
                  concat(toString("e"."ts"), ':00'),
                  toString("e"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."ts")) = 16,
            concat(toString("e"."ts"), ':00'),
            toString("e"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "_t",
    if(
      position(toTypeName("e"."ts"), 'String') > 0,
      if(
        match(
          toString("e"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."ts")) = 16,
                concat(toString("e"."ts"), ':00'),
                toString("e"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."ts"), 1, 10)
        AND (
          length(toString("e"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."ts")) = 16,
                  concat(toString("e"."ts"), ':00'),
                  toString("e"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."ts")) = 16,
            concat(toString("e"."ts"), ':00'),
            toString("e"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) AS "c0",
    if(
      (
        position(toTypeName("e"."device_id"), 'Enum') > 0
        OR position(toTypeName("e"."device_id"), 'FixedString') > 0
      ),
      replaceRegexpOne(CAST("e"."device_id" AS Nullable(String)), '\\x00+$', ''),
      "e"."device_id"
    ) AS "c1"
  FROM "app_events" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'device' AND "m"."id" = CAST("e"."device_id" AS Nullable(String))
  WHERE
    if(
      position(toTypeName("e"."ts"), 'String') > 0,
      if(
        match(
          toString("e"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."ts")) = 16,
                concat(toString("e"."ts"), ':00'),
                toString("e"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."ts"), 1, 10)
        AND (
          length(toString("e"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."ts")) = 16,
                  concat(toString("e"."ts"), ':00'),
                  toString("e"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."ts")) = 16,
            concat(toString("e"."ts"), ':00'),
            toString("e"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) < CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    AND if(
      position(toTypeName("e"."ts"), 'String') > 0,
      if(
        match(
          toString("e"."ts"),
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
        )
        AND substring(
          toString(
            toDateTime64OrNull(
              if(
                length(toString("e"."ts")) = 16,
                concat(toString("e"."ts"), ':00'),
                toString("e"."ts")
              ),
              6,
              'UTC'
            )
          ),
          1,
          10
        ) = substring(toString("e"."ts"), 1, 10)
        AND (
          length(toString("e"."ts")) = 10
          OR substring(
            toString(
              toDateTime64OrNull(
                if(
                  length(toString("e"."ts")) = 16,
                  concat(toString("e"."ts"), ':00'),
                  toString("e"."ts")
                ),
                6,
                'UTC'
              )
            ),
            12,
            8
          ) = substring(concat(toString("e"."ts"), ':00'), 12, 8)
        ),
        toDateTime64OrNull(
          if(
            length(toString("e"."ts")) = 16,
            concat(toString("e"."ts"), ':00'),
            toString("e"."ts")
          ),
          6,
          'UTC'
        ),
        NULL
      ),
      fromUnixTimestamp64Micro(
        toUnixTimestamp64Micro(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) + timeZoneOffset(toTimeZone(CAST("e"."ts" AS Nullable(DateTime64(6))), timezone())) * 1000000,
        'UTC'
      )
    ) >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
), "segl_agg_4" AS (
  SELECT
    "_u" AS "_g",
    COUNT(
      DISTINCT CASE
        WHEN "_t" >= CAST('2026-10-02 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN CAST("c0" AS Nullable(Date32))
      END
    ) AS "a27",
    COUNT(
      DISTINCT CASE
        WHEN "_t" >= CAST('2026-08-03 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
        THEN "c1"
      END
    ) AS "a28"
  FROM "segl_ev_4"
  GROUP BY
    "_u"
), "segl_base" AS (
  SELECT
    "segl_usr".*,
    COALESCE("segl_agg_0"."a0", 0) AS "a0",
    COALESCE("segl_agg_0"."a1", 0) AS "a1",
    if(isNaN(COALESCE("segl_agg_0"."a2", 0)), NULL, COALESCE("segl_agg_0"."a2", 0)) AS "a2",
    COALESCE("segl_agg_0"."a3", 0) AS "a3",
    COALESCE("segl_agg_0"."a4" > 0, FALSE) AS "a4",
    COALESCE("segl_agg_0"."a5" > 0, FALSE) AS "a5",
    COALESCE("segl_agg_0"."a6" > 0, FALSE) AS "a6",
    "segl_agg_0"."a7" AS "a7",
    COALESCE("segl_agg_0"."a9", 0) AS "a9",
    COALESCE("segl_agg_0"."a10", 0) AS "a10",
    if(isNaN(COALESCE("segl_agg_0"."a11", 0)), NULL, COALESCE("segl_agg_0"."a11", 0)) AS "a11",
    if(isNaN("segl_agg_0"."a12"), NULL, "segl_agg_0"."a12") AS "a12",
    "segl_agg_0"."a13" AS "a13",
    "segl_agg_0"."a14" AS "a14",
    COALESCE("segl_agg_0"."a15", 0) AS "a15",
    if(isNaN(COALESCE("segl_agg_0"."a16", 0)), NULL, COALESCE("segl_agg_0"."a16", 0)) AS "a16",
    if(isNaN(COALESCE("segl_agg_0"."a17", 0)), NULL, COALESCE("segl_agg_0"."a17", 0)) AS "a17",
    "segl_agg_0"."a18" AS "a18",
    "segl_mf_a8"."a8" AS "a8",
    "segl_agg_1"."a19" AS "a19",
    COALESCE("segl_agg_1"."a20", 0) AS "a20",
    COALESCE("segl_agg_1"."a21", 0) AS "a21",
    COALESCE("segl_agg_1"."a22", 0) AS "a22",
    COALESCE("segl_agg_1"."a23", 0) AS "a23",
    "segl_mf_a24"."a24" AS "a24",
    COALESCE("segl_agg_2"."a25", 0) AS "a25",
    COALESCE("segl_agg_3"."a26" > 0, FALSE) AS "a26",
    COALESCE("segl_agg_4"."a27", 0) AS "a27",
    COALESCE("segl_agg_4"."a28", 0) AS "a28"
  FROM "segl_usr"
  LEFT JOIN "segl_agg_0"
    ON "segl_agg_0"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_mf_a8"
    ON "segl_mf_a8"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_1"
    ON "segl_agg_1"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_mf_a24"
    ON "segl_mf_a24"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_2"
    ON "segl_agg_2"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_3"
    ON "segl_agg_3"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_4"
    ON "segl_agg_4"."_g" = "segl_usr"."_u"
), "segl_lvl_1" AS (
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
    END AS "d14",
    2026 - EXTRACT(YEAR FROM "p_2") - CASE
      WHEN EXTRACT(MONTH FROM "p_2") * 100 + EXTRACT(DAY FROM "p_2") > 1101
      THEN 1
      ELSE 0
    END AS "d25"
  FROM "segl_base"
), "segl_lvl_2" AS (
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
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a19", 6))
          ) / 1000000.0
        ) / 86400
      ) > 90
      OR "a19" IS NULL
      THEN 'churned'
      WHEN "a0" >= 5
      THEN 'loyal'
      ELSE 'mature'
    END AS "d2",
    CASE
      WHEN "a1" = 0
      THEN 'no_orders'
      WHEN "d6" >= CAST(0.8 AS Nullable(Float64)) AND "a25" >= 3
      THEN 'fanatic'
      WHEN "d6" >= CAST(0.5 AS Nullable(Float64))
      THEN 'sensitive'
      WHEN "d6" >= CAST(0.2 AS Nullable(Float64))
      THEN 'neutral'
      ELSE 'indifferent'
    END AS "d8",
    CASE
      WHEN "a13" = 'skincare'
      THEN 'makeup'
      WHEN "a13" = 'makeup'
      THEN 'skincare'
      WHEN "a13" = 'fragrance'
      THEN 'bodycare'
      WHEN "a13" = 'haircare'
      THEN 'bodycare'
      WHEN "a13" = 'bodycare'
      THEN 'fragrance'
    END AS "d53"
  FROM "segl_lvl_1"
)
SELECT
  "_u",
  CAST("a0" AS Nullable(Float64)) AS "d0",
  CAST("a19" AS Nullable(DateTime64(6, 'UTC'))) AS "d1",
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
  CAST("a25" AS Nullable(Float64)) AS "d7",
  CAST("d8" AS Nullable(String)) AS "d8",
  CAST(COALESCE("a4" AND NOT "a5", FALSE) AS Nullable(Bool)) AS "d9",
  CAST("a6" AS Nullable(Bool)) AS "d10",
  CAST("p_1" AS Nullable(String)) AS "d11",
  CAST("a20" AS Nullable(Float64)) AS "d12",
  CAST(COALESCE("a20" >= 3 AND "a0" >= 1 AND "p_1" = 'Beijing' AND NOT "a6", FALSE) AS Nullable(Bool)) AS "d13",
  CAST("d14" AS Nullable(String)) AS "d14",
  CAST(COALESCE("a20" >= 3 AND "a0" >= 1 AND "d14" = 'Beijing' AND NOT "a6", FALSE) AS Nullable(Bool)) AS "d15",
  CAST(COALESCE("d2" = 'loyal' AND "d14" = 'Beijing', FALSE) AS Nullable(Bool)) AS "d16",
  CAST("a21" AS Nullable(Float64)) AS "d17",
  CAST(COALESCE("a2" >= 3000 AND "a21" = 0 AND "a20" >= 1, FALSE) AS Nullable(Bool)) AS "d18",
  CAST(COALESCE((
    "d8" = 'fanatic' OR "d8" = 'sensitive'
  ) AND "a25" >= 3, FALSE) AS Nullable(Bool)) AS "d19",
  CAST("a22" AS Nullable(Float64)) AS "d20",
  CAST(COALESCE("a22" >= 3 AND "a1" = 0, FALSE) AS Nullable(Bool)) AS "d21",
  CAST("a7" AS Nullable(DateTime64(6, 'UTC'))) AS "d22",
  CAST("a8" AS Nullable(String)) AS "d23",
  CAST(COALESCE(
    "a8" = 'skincare'
    AND (
      FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a7", 6))
          ) / 1000000.0
        ) / 86400
      ) >= 30
      AND FLOOR(
        (
          (
            toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a7", 6))
          ) / 1000000.0
        ) / 86400
      ) <= 90
    ),
    FALSE
  ) AS Nullable(Bool)) AS "d24",
  CAST("d25" AS Nullable(Float64)) AS "d25",
  CAST(COALESCE("d25" >= 18 AND "d25" <= 25 AND "d2" = 'new', FALSE) AS Nullable(Bool)) AS "d26",
  CAST("p_3" AS Nullable(Float64)) AS "d27",
  CAST("p_6" AS Nullable(String)) AS "d28",
  CAST(COALESCE((
    "p_6" = 'gold' OR "p_6" = 'platinum'
  ) AND "p_3" > 0, FALSE) AS Nullable(Bool)) AS "d29",
  CAST("a9" AS Nullable(Float64)) AS "d30",
  CAST(COALESCE("a9" = 0 AND "a1" >= 1 AND "a0" > "a1", FALSE) AS Nullable(Bool)) AS "d31",
  CAST("a10" AS Nullable(Float64)) AS "d32",
  CAST(COALESCE("d2" = 'new' AND "a10" >= 2, FALSE) AS Nullable(Bool)) AS "d33",
  CAST("a11" AS Nullable(Float64)) AS "d34",
  CAST("a27" AS Nullable(Float64)) AS "d35",
  CAST(COALESCE("a27" >= 3 AND "a11" = 0, FALSE) AS Nullable(Bool)) AS "d36",
  CAST("a26" AS Nullable(Bool)) AS "d37",
  CAST(COALESCE("a1" >= 1 AND NOT "a26", FALSE) AS Nullable(Bool)) AS "d38",
  CAST("p_4" AS Nullable(String)) AS "d39",
  CAST(FLOOR(
    (
      (
        toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("p_0", 6))
      ) / 1000000.0
    ) / 86400
  ) AS Nullable(Float64)) AS "d40",
  CAST("a23" AS Nullable(Float64)) AS "d41",
  CAST("a28" AS Nullable(Float64)) AS "d42",
  CAST("a24" AS Nullable(String)) AS "d43",
  CAST("a12" AS Nullable(Float64)) AS "d44",
  CAST("a13" AS Nullable(String)) AS "d45",
  CAST("a14" AS Nullable(String)) AS "d46",
  CAST("a15" AS Nullable(Float64)) AS "d47",
  CAST("a16" AS Nullable(Float64)) AS "d48",
  CAST("a17" AS Nullable(Float64)) AS "d49",
  CAST(CASE WHEN "a11" >= 5000 THEN 'high' WHEN "a11" >= 1000 THEN 'mid' ELSE 'low' END AS Nullable(String)) AS "d50",
  CAST(CASE
    WHEN "a21" >= 8
    THEN 'high'
    WHEN "a21" >= 2
    THEN 'mid'
    WHEN "a20" >= 1
    THEN 'low'
    ELSE 'inactive'
  END AS Nullable(String)) AS "d51",
  CAST(FLOOR(
    (
      (
        toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a19", 6))
      ) / 1000000.0
    ) / 86400
  ) AS Nullable(Float64)) AS "d52",
  CAST("d53" AS Nullable(String)) AS "d53",
  CAST("a20" >= 1 AS Nullable(Bool)) AS "d54",
  CAST("a8" AS Nullable(String)) AS "d55",
  CAST("d53" AS Nullable(String)) AS "d56",
  CAST(FLOOR(
    (
      (
        toUnixTimestamp64Micro(toDateTime64(CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))), 6)) - toUnixTimestamp64Micro(toDateTime64("a19", 6))
      ) / 1000000.0
    ) / 86400
  ) >= 30 AS Nullable(Bool)) AS "d57",
  CAST("a8" AS Nullable(String)) AS "d58",
  CAST(CASE
    WHEN "a12" >= 800
    THEN 100
    WHEN "a12" >= 400
    THEN 50
    WHEN "a12" >= 150
    THEN 20
    ELSE 10
  END AS Nullable(Float64)) AS "d59",
  CAST("a0" = 1 AS Nullable(Bool)) AS "d60",
  CAST("a18" AS Nullable(DateTime64(6, 'UTC'))) AS "d61",
  CAST("p_5" AS Nullable(String)) AS "d62"
FROM "segl_lvl_2"
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
  CAST(NULL AS Nullable(Float64)) AS "orders_first_week",
  CAST(NULL AS Nullable(Float64)) AS "spend_90d",
  CAST(NULL AS Nullable(Float64)) AS "app_days_30d",
  CAST(NULL AS Nullable(Bool)) AS "wechat_bound",
  CAST(NULL AS Nullable(String)) AS "gender",
  CAST(NULL AS Nullable(Float64)) AS "registered_days",
  CAST(NULL AS Nullable(Float64)) AS "push_clicks_30d",
  CAST(NULL AS Nullable(Float64)) AS "app_devices_90d",
  CAST(NULL AS Nullable(String)) AS "preferred_channel",
  CAST(NULL AS Nullable(Float64)) AS "avg_order_value",
  CAST(NULL AS Nullable(String)) AS "last_order_category",
  CAST(NULL AS Nullable(String)) AS "first_brand",
  CAST(NULL AS Nullable(Float64)) AS "shopping_days_90d",
  CAST(NULL AS Nullable(Float64)) AS "spend_this_year",
  CAST(NULL AS Nullable(Float64)) AS "discounted_spend_90d",
  CAST(NULL AS Nullable(String)) AS "value_level",
  CAST(NULL AS Nullable(String)) AS "activity_level",
  CAST(NULL AS Nullable(Float64)) AS "days_since_visit",
  CAST(NULL AS Nullable(String)) AS "complementary_category"
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
ADD COLUMN IF NOT EXISTS "orders_first_week" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "spend_90d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "app_days_30d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "wechat_bound" Nullable(Bool);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "gender" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "registered_days" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "push_clicks_30d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "app_devices_90d" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "preferred_channel" Nullable(String);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "avg_order_value" Nullable(Float64);

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "last_order_category" Nullable(String);

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

ALTER TABLE "segl_retail_tags__next"
ADD COLUMN IF NOT EXISTS "complementary_category" Nullable(String);

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
  "orders_first_week",
  "spend_90d",
  "app_days_30d",
  "wechat_bound",
  "gender",
  "registered_days",
  "push_clicks_30d",
  "app_devices_90d",
  "preferred_channel",
  "avg_order_value",
  "last_order_category",
  "first_brand",
  "shopping_days_90d",
  "spend_this_year",
  "discounted_spend_90d",
  "value_level",
  "activity_level",
  "days_since_visit",
  "complementary_category"
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
  CAST("d10" AS Nullable(Bool)),
  CAST("d11" AS Nullable(String)),
  CAST("d12" AS Nullable(Float64)),
  CAST("d14" AS Nullable(String)),
  CAST("d17" AS Nullable(Float64)),
  CAST("d20" AS Nullable(Float64)),
  CAST("d22" AS Nullable(DateTime64(6, 'UTC'))),
  CAST("d23" AS Nullable(String)),
  CAST("d25" AS Nullable(Float64)),
  CAST("d27" AS Nullable(Float64)),
  CAST("d28" AS Nullable(String)),
  CAST("d30" AS Nullable(Float64)),
  CAST("d32" AS Nullable(Float64)),
  CAST("d34" AS Nullable(Float64)),
  CAST("d35" AS Nullable(Float64)),
  CAST("d37" AS Nullable(Bool)),
  CAST("d39" AS Nullable(String)),
  CAST("d40" AS Nullable(Float64)),
  CAST("d41" AS Nullable(Float64)),
  CAST("d42" AS Nullable(Float64)),
  CAST("d43" AS Nullable(String)),
  CAST("d44" AS Nullable(Float64)),
  CAST("d45" AS Nullable(String)),
  CAST("d46" AS Nullable(String)),
  CAST("d47" AS Nullable(Float64)),
  CAST("d48" AS Nullable(Float64)),
  CAST("d49" AS Nullable(Float64)),
  CAST("d50" AS Nullable(String)),
  CAST("d51" AS Nullable(String)),
  CAST("d52" AS Nullable(Float64)),
  CAST("d53" AS Nullable(String))
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
  'lapsed_buyers',
  "_u"
FROM "segl_retail_result"
WHERE
  "d9" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'beijing_loyal',
  "_u"
FROM "segl_retail_result"
WHERE
  "d13" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'beijing_loyal_any_spelling',
  "_u"
FROM "segl_retail_result"
WHERE
  "d15" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'loyal_beijing',
  "_u"
FROM "segl_retail_result"
WHERE
  "d16" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'high_value_at_risk',
  "_u"
FROM "segl_retail_result"
WHERE
  "d18" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'coupon_hunters',
  "_u"
FROM "segl_retail_result"
WHERE
  "d19" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'weekend_browsers',
  "_u"
FROM "segl_retail_result"
WHERE
  "d21" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'skincare_fans_no_recent_order',
  "_u"
FROM "segl_retail_result"
WHERE
  "d24" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'young_new_members',
  "_u"
FROM "segl_retail_result"
WHERE
  "d26" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'gold_or_better',
  "_u"
FROM "segl_retail_result"
WHERE
  "d29" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'reactivated',
  "_u"
FROM "segl_retail_result"
WHERE
  "d31" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'fast_starters',
  "_u"
FROM "segl_retail_result"
WHERE
  "d33" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'app_browsers_no_order',
  "_u"
FROM "segl_retail_result"
WHERE
  "d36" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'bind_wechat_invite',
  "_u"
FROM "segl_retail_result"
WHERE
  "d38" = TRUE;

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

CREATE TABLE IF NOT EXISTS "segl_retail_persons"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "person",
  CAST(NULL AS Nullable(String)) AS "kind",
  CAST(NULL AS Nullable(String)) AS "id"
FROM "segl_retail_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_retail_persons__next";

CREATE TABLE "segl_retail_persons__next" AS
"segl_retail_persons";

INSERT INTO "segl_retail_persons__next"
SELECT
  *
FROM "segl_retail_persons"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_retail_persons__next"
ADD COLUMN IF NOT EXISTS "person" Nullable(String);

ALTER TABLE "segl_retail_persons__next"
ADD COLUMN IF NOT EXISTS "kind" Nullable(String);

ALTER TABLE "segl_retail_persons__next"
ADD COLUMN IF NOT EXISTS "id" Nullable(String);

INSERT INTO "segl_retail_persons__next" (
  "as_of",
  "person",
  "kind",
  "id"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  "person",
  "kind",
  "id"
FROM "segl_retail_id_map";

CREATE TABLE IF NOT EXISTS "segl_retail_shared_ids"
ENGINE=MergeTree
ORDER BY () AS
SELECT
  CAST(NULL AS Nullable(DateTime64(6, 'UTC'))) AS "as_of",
  CAST(NULL AS Nullable(String)) AS "id",
  CAST(NULL AS Nullable(Int64)) AS "links"
FROM "segl_retail_result"
WHERE
  1 = 0;

DROP TABLE IF EXISTS "segl_retail_shared_ids__next";

CREATE TABLE "segl_retail_shared_ids__next" AS
"segl_retail_shared_ids";

INSERT INTO "segl_retail_shared_ids__next"
SELECT
  *
FROM "segl_retail_shared_ids"
WHERE
  NOT COALESCE(
    (
      "as_of" = CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC')))
    ),
    FALSE
  );

ALTER TABLE "segl_retail_shared_ids__next"
ADD COLUMN IF NOT EXISTS "id" Nullable(String);

ALTER TABLE "segl_retail_shared_ids__next"
ADD COLUMN IF NOT EXISTS "links" Nullable(Int64);

INSERT INTO "segl_retail_shared_ids__next" (
  "as_of",
  "id",
  "links"
)
SELECT
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  "n",
  CAST("links" AS Nullable(Int64))
FROM "segl_retail_id_shared";

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
  'retail',
  CAST('2026-11-01 00:00:00' AS Nullable(DateTime64(6, 'UTC'))),
  'Asia/Shanghai',
  now64(6, 'UTC'),
  CAST(NULL AS Nullable(Float64)),
  CAST(COUNT(*) AS Nullable(Int64)),
  '2b9907352bd21c4a9d67281cb6c04dd7ad441ba4e44496f6de41b574aee382d3',
  'unknown',
  '{"activity_level": "6dc02abc89a3719f", "age": "07c128c3f70f29ae", "app_browsers_no_order": "5d3c878442ab1483", "app_days_30d": "ad34f399b9461610", "app_devices_90d": "ca255d1fb802edec", "avg_order_value": "37bcfeaab94b2082", "balance": "58f5ec061737f7ae", "beijing_loyal": "e7d2fd39217c044e", "beijing_loyal_any_spelling": "26a61f8db1e15a06", "bind_wechat_invite": "3a6c29b10c8ff463", "bought_shiseido_1w": "cb4f6d8017ac59cc", "city": "8b97e5c23c3f1259", "complementary_category": "687c2a5143a80f4a", "coupon_claims_90d": "3f66436810dcd48f", "coupon_hunters": "f383dc4f37f59f84", "coupon_share_180d": "bf505e1c150ef59f", "days_since_visit": "41de3c7d55eedfd3", "discounted_spend_90d": "9805f0fa5ebcea5f", "fast_starters": "c2c63c3aae6bba30", "first_brand": "090fcaa848ecc35a", "gender": "1495a4f2bcb032e8", "gold_or_better": "a7e64b612a710382", "high_value_at_risk": "b19410bec51145d6", "home_city": "78de8db4c1c96996", "lapsed_buyers": "f27ad8a15bb000eb", "last_order_at": "5841bb9094a7e67f", "last_order_category": "77aee1f3d70f0c29", "last_visit_at": "9791ad33607490e3", "lifecycle": "10aa3221978a5e9d", "loyal_beijing": "23c20b3bd1c75656", "member_level": "89fcd83b812a7fee", "orders_first_week": "bef3c8bc1bbb5832", "orders_prev_quarter": "ba3a2a49d06bbdec", "preferred_channel": "02201f2ea174c7d6", "promo_sensitivity": "bc12945c9a299af6", "purchases": "54fbe7820974b365", "purchases_180d": "a413329870f785ca", "push_clicks_30d": "5ba164c93b65116e", "reactivated": "2fb35a943fe51a95", "registered_days": "da546ef61dd71367", "shopping_days_90d": "6f0ede754876ff09", "skincare_fans_no_recent_order": "423b358d0cd844a5", "spend_180d": "c8d7089bf0a28f7c", "spend_90d": "1c8278f50db71731", "spend_this_year": "eb22b3a528385088", "top_category": "55c37ca9e1f8f141", "value_level": "e817e2b9fb81ad04", "value_quadrant": "a1e79e1e1d2e19fc", "visits_30d": "a79a7a70a19f3969", "visits_3m": "db961de7f4916e21", "wechat_bound": "0d0a812dab485038", "weekend_browsers": "f0ab2e1c0c876650", "weekend_visits_90d": "420f74c31fc2f050", "young_new_members": "856c5674cc45167d"}'
FROM "segl_retail_result";

EXCHANGE TABLES "segl_retail_tags" AND "segl_retail_tags__next";

EXCHANGE TABLES "segl_retail_members" AND "segl_retail_members__next";

EXCHANGE TABLES "segl_retail_layers" AND "segl_retail_layers__next";

EXCHANGE TABLES "segl_retail_persons" AND "segl_retail_persons__next";

EXCHANGE TABLES "segl_retail_shared_ids" AND "segl_retail_shared_ids__next";

EXCHANGE TABLES "segl_runs" AND "segl_runs__next";

DROP TABLE IF EXISTS "segl_retail_tags__next";

DROP TABLE IF EXISTS "segl_retail_members__next";

DROP TABLE IF EXISTS "segl_retail_layers__next";

DROP TABLE IF EXISTS "segl_retail_persons__next";

DROP TABLE IF EXISTS "segl_retail_shared_ids__next";

DROP TABLE IF EXISTS "segl_runs__next";

DROP TABLE IF EXISTS "segl_retail_result";

DROP TABLE IF EXISTS "segl_retail_id_links";

DROP TABLE IF EXISTS "segl_retail_id_ids";

DROP TABLE IF EXISTS "segl_retail_id_shared";

DROP TABLE IF EXISTS "segl_retail_id_map";

DROP TABLE IF EXISTS "segl_retail_id_labels";

DROP TABLE IF EXISTS "segl_retail_id_e0";
