/*
 * ocf:geoha:mysql — what a backend is: the agent's actions for one kind
 * of database server.
 *
 * main.c picks one backend from the parameter "backend" and hands it
 * every action; native.c (MySQL or MariaDB on the cluster's own VMs) and
 * azure.c (Azure Database for MySQL Flexible Server) each fill one of
 * these. Every action returns an OCF exit code.
 */
#ifndef GEOHA_AGENT_MYSQL_BACKEND_H
#define GEOHA_AGENT_MYSQL_BACKEND_H

#include "geoha/ocf.h"

/* The native backend's own parameters (main.c's table, native.c). */
#define P_SOCKET "socket"
#define P_REPL_DEFAULTS_FILE "replication_defaults_file"
#define P_FENCE_PEER_CHECK "fence_peer_check"
#define D_REPL_DEFAULTS_FILE "/etc/geoha/mysql-replication.cnf"
#define D_FENCE_PEER_CHECK "true"

/* The hidden action a notification spawns to do its work in the
 * background (native: the replica joins the new writer). */
#define JOIN_ACTION "join-writer"

struct geoha_mysql_backend {
    const char *name; /* the value of the parameter "backend" */
    /* checks between parameters (the core's validate hook) */
    int (*validate)(struct geoha_ctx *ctx);
    /* validate-all, after the core's checks and validate */
    int (*validate_all)(struct geoha_ctx *ctx);
    int (*start)(struct geoha_ctx *ctx);
    int (*stop)(struct geoha_ctx *ctx);
    int (*monitor)(struct geoha_ctx *ctx);
    int (*promote)(struct geoha_ctx *ctx);
    int (*demote)(struct geoha_ctx *ctx);
    int (*notify)(struct geoha_ctx *ctx);
    /* JOIN_ACTION; NULL: nothing to do */
    int (*join_writer)(struct geoha_ctx *ctx);
    /*
     * The quorum guard's close (lib/guard.c): this node's server stops
     * taking writes, within the guard's bound. 0 with *how saying what
     * was done, or a negative code.
     */
    int (*guard_close)(struct geoha_ctx *ctx, const char **how);
    /* The admin's failback action (hidden); NULL: not offered. */
    int (*reseed)(struct geoha_ctx *ctx);
};

extern const struct geoha_mysql_backend geoha__mysql_native;
extern const struct geoha_mysql_backend geoha__mysql_azure;

#endif /* GEOHA_AGENT_MYSQL_BACKEND_H */
