-- The retention visits_12w (benchmarks/workload_reports/reports.segl) written by hand for
-- DuckDB, exactly SPEC §3.5 for it: cohort the first-ever register event, return a visit,
-- calendar weeks from Monday, 12 periods, the project's zone UTC. Parameter: $as_of.
-- Output: one row per cohort week and period k (1..12): the cohort's size and the users
-- retained, null while the period has not ended at the as-of.
WITH
members AS (  -- a user's cohort week: the week of their first register event
    SELECT user_id, date_trunc('week', min(ts)) AS cohort
    FROM events
    WHERE name = 'register' AND ts < $as_of
      AND user_id IN (SELECT user_id FROM users)
    GROUP BY user_id
),
sizes AS (SELECT cohort, count(*) AS size FROM members GROUP BY cohort),
visit_weeks AS (
    SELECT user_id, date_trunc('week', ts) AS week
    FROM events
    WHERE name = 'visit' AND ts < $as_of
),
-- the members' visits in their 12 weeks, joined and filtered first (the distinct (user,
-- week) pairs of every visit are many more); then one integer per member whose bit k says
-- it visited in week k: a BIT_OR per member costs less than a DISTINCT over its (member,
-- week) pairs (2.1 against 2.5 s at 10^8, BENCHMARKS.md)
masks AS (
    SELECT m.user_id, m.cohort,
           bit_or(1::BIGINT << ((epoch(v.week) - epoch(m.cohort)) // 604800)::BIGINT) AS mask
    FROM members m JOIN visit_weeks v USING (user_id)
    WHERE v.week > m.cohort AND v.week <= m.cohort + INTERVAL 12 WEEK
    GROUP BY m.user_id, m.cohort
),
retained AS (
    SELECT cohort, k, count(*) AS users
    FROM masks CROSS JOIN range(1, 13) AS p(k)
    WHERE (mask >> k) & 1 = 1
    GROUP BY ALL
)
SELECT
    s.cohort,
    s.size,
    p.k,
    CASE
        WHEN s.cohort + to_weeks(p.k + 1) > $as_of THEN NULL
        ELSE coalesce(r.users, 0)
    END AS retained
FROM sizes s
CROSS JOIN range(1, 13) AS p(k)
LEFT JOIN retained r ON r.cohort = s.cohort AND r.k = p.k
ORDER BY s.cohort, p.k
