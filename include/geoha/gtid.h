/*
 * geoha: GTID set arithmetic for MariaDB and MySQL.
 *
 * Two notations are understood:
 *
 * - MariaDB: comma separated "domain-server-seq" triples, as in
 *   @@gtid_binlog_pos, @@gtid_slave_pos and @@gtid_binlog_state. A triple
 *   D-S-N is read as "the transactions of server S in domain D up to
 *   sequence number N" (the stream (D,S) holds sequence numbers 1..N).
 *   geoha also writes and reads "D-S-LO..HI" for a range that does not start
 *   at 1 (a difference); MariaDB itself never prints that form.
 * - MySQL: comma separated "uuid:interval[:interval...]" elements, as in
 *   @@gtid_executed and Retrieved_Gtid_Set, with MySQL 8.4 tags
 *   ("uuid:tag:1-5"). White space (MySQL prints newlines) is ignored.
 *
 * Two kinds of comparison are offered because MariaDB has two kinds of
 * value. A *state* (@@gtid_binlog_state, or any MySQL set) lists every
 * server that wrote in a domain: geoha_gtid_set_subset() and
 * geoha_gtid_set_difference() compare stream by stream and find errant
 * transactions. A *position* (@@gtid_binlog_pos, @@gtid_slave_pos,
 * Gtid_IO_Pos) keeps only the last GTID of each domain:
 * geoha_gtid_pos_reached() compares the highest sequence number per domain,
 * which is what MASTER_GTID_WAIT() does. For MySQL both are plain set
 * inclusion.
 *
 * Functions return 0 or a negative code: -EINVAL for bad arguments or sets
 * of different flavours, GEOHA_E_PARSE for text that is not a GTID set,
 * GEOHA_E_TOOBIG past the limits below, -ENOMEM. Output parameters are
 * written only on success.
 */
#ifndef GEOHA_GTID_H
#define GEOHA_GTID_H

#include <stdbool.h>
#include <stdint.h>

#include "geoha/util.h"

#define GEOHA_GTID_TEXT_MAX (1024u * 1024u) /* bytes of text parsed */
#define GEOHA_GTID_STREAMS_MAX 4096u /* servers (uuid:tag / domain-server) */
#define GEOHA_GTID_RANGES_MAX 65536u /* intervals in one set */

enum geoha_gtid_flavour {
    GEOHA_GTID_ANY = 0,     /* parse: detect; an empty set has no flavour */
    GEOHA_GTID_MARIADB = 1, /* domain-server-seq */
    GEOHA_GTID_MYSQL = 2,   /* uuid:interval */
};

struct geoha_gtid_set;

/*
 * Parse text (NULL or "" is the empty set) into a new set (free with
 * geoha_gtid_set_free()). With GEOHA_GTID_ANY the notation is detected.
 */
int geoha_gtid_set_parse(const char *text, enum geoha_gtid_flavour flavour,
                         struct geoha_gtid_set **out);

void geoha_gtid_set_free(struct geoha_gtid_set *set);

/* The set's flavour; GEOHA_GTID_ANY for an empty set parsed as ANY. */
enum geoha_gtid_flavour geoha_gtid_set_flavour(const struct geoha_gtid_set *s);

bool geoha_gtid_set_is_empty(const struct geoha_gtid_set *set);

/* *out = every transaction of a is in b (stream by stream). */
int geoha_gtid_set_subset(const struct geoha_gtid_set *a,
                          const struct geoha_gtid_set *b, bool *out);

/* *out = a new set: the transactions of a that b lacks. */
int geoha_gtid_set_difference(const struct geoha_gtid_set *a,
                              const struct geoha_gtid_set *b,
                              struct geoha_gtid_set **out);

/*
 * *out = the number of transactions in the set (saturates at UINT64_MAX).
 * For MariaDB it counts sequence numbers, an upper bound when several
 * servers wrote in one domain.
 */
int geoha_gtid_set_count(const struct geoha_gtid_set *set, uint64_t *out);

/*
 * *out = the canonical text (heap, caller frees; "" for an empty set):
 * streams sorted, intervals merged, MySQL uuids in lower case.
 */
int geoha_gtid_set_format(const struct geoha_gtid_set *set, char **out);

/*
 * *out = position pos has reached target: MariaDB, for every domain of
 * target, pos's highest sequence number is at least target's; MySQL,
 * target is a subset of pos.
 */
int geoha_gtid_pos_reached(const struct geoha_gtid_set *pos,
                           const struct geoha_gtid_set *target, bool *out);

/*
 * *out = a new position that has reached both a and b: MariaDB, per domain
 * the GTID with the higher sequence number; MySQL, the union.
 */
int geoha_gtid_pos_merge(const struct geoha_gtid_set *a,
                         const struct geoha_gtid_set *b,
                         struct geoha_gtid_set **out);

/*
 * Parse a and b as text of one flavour and tell whether a is a subset of
 * b; a convenience for callers holding text from SQL.
 */
int geoha_gtid_text_subset(const char *a, const char *b, bool *out);

#endif /* GEOHA_GTID_H */
