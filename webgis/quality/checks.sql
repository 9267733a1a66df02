-- name: same_id_two_rooms
-- One person (one ID number) linked to two rooms at once.
SELECT p.grid_id, x.household_id, p.id AS person_id, p.name AS label
  FROM (SELECT r.person_id, r.household_id, count(*) OVER (PARTITION BY r.person_id) AS rooms
          FROM residence r WHERE r.end_date IS NULL) x
  JOIN person p ON p.id = x.person_id
 WHERE x.rooms > 1 AND p.status = 'active';
-- name: same_person_twice
-- Two active records with the same name and birth date (a duplicate under another ID number).
SELECT d.grid_id, (SELECT r.household_id FROM residence r WHERE r.person_id = d.id AND r.end_date IS NULL LIMIT 1)
       AS household_id, d.id AS person_id, d.name || ' ' || d.birth_date AS label
  FROM (SELECT p.id, p.grid_id, p.name, p.birth_date,
               count(*) OVER (PARTITION BY p.town_id, p.name, p.birth_date) AS n
          FROM person p WHERE p.status = 'active' AND p.birth_date IS NOT NULL) d
 WHERE d.n > 1;
-- name: stale
-- Rooms with residents not verified (police signature) for more than :stale_days days.
SELECT h.grid_id, h.id AS household_id, NULL::integer AS person_id,
       coalesce('最近核验 ' || h.verified_at::date, '从未核验') AS label
  FROM household h
 WHERE h.status = 'active' AND (h.verified_at IS NULL OR h.verified_at < now() - make_interval(days => :stale_days))
   AND EXISTS (SELECT 1 FROM residence r WHERE r.household_id = h.id AND r.end_date IS NULL);
-- name: group_rental
-- 群租: many adults in one room, most of them unrelated to the head (relation 其他 or none).
SELECT h.grid_id, h.id AS household_id, NULL::integer AS person_id, count(*) || '名成年人' AS label
  FROM household h JOIN residence r ON r.household_id = h.id AND r.end_date IS NULL
  JOIN person p ON p.id = r.person_id AND p.status = 'active'
 WHERE p.birth_date <= current_date - interval '18 years'
 GROUP BY h.grid_id, h.id
HAVING count(*) >= :rental_adults
   AND count(*) FILTER (WHERE coalesce(r.relation_to_head, '10') = '10') >= count(*) / 2.0;
-- name: minor_alone
-- A minor heading a household with no adult living there.
SELECT h.grid_id, h.id AS household_id, p.id AS person_id, p.name AS label
  FROM household h JOIN residence r ON r.household_id = h.id AND r.end_date IS NULL AND r.relation_to_head = '1'
  JOIN person p ON p.id = r.person_id AND p.status = 'active'
 WHERE p.birth_date > current_date - interval '18 years'
   AND NOT EXISTS (SELECT 1 FROM residence r2 JOIN person a ON a.id = r2.person_id AND a.status = 'active'
                    WHERE r2.household_id = h.id AND r2.end_date IS NULL
                      AND a.birth_date <= current_date - interval '18 years');
-- name: conflicts
-- The police disputed the household (有争议，退回重访) and nobody has visited since: the record is disputed.
SELECT v.grid_id, v.household_id, NULL::integer AS person_id, '民警核验有争议' AS label
  FROM verification v JOIN household h ON h.id = v.household_id
 WHERE v.outcome = 'disputed'
   AND NOT EXISTS (SELECT 1 FROM visit x WHERE x.household_id = v.household_id AND x.visited_at > v.verified_at);
