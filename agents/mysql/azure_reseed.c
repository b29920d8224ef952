/*
 * ocf:geoha:mysql backend=azure — the admin's failback (hidden action
 * reseed): this node's diverged-or-stale server re-created as a replica
 * of the current writer, with a report in state_dir.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "geoha/arm.h"
#include "geoha/attr.h"
#include "geoha/file.h"
#include "geoha/gtid.h"
#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/sql.h"
#include "geoha/util.h"

#include "azure_base.h"
#include "backend.h"
#include "common.h"

static void
write_report(const struct az *az, const char *prefix, json_t *j)
{
    char path[PATH_MAX], when[32];
    char *text = json_dumps(j, JSON_INDENT(2));

    geoha__mysql_iso_time(when, sizeof(when));
    if (text != NULL
        && geoha_snprintf(path, sizeof(path), "%s/mysql-%s-%s-%s.json",
                          geoha_param_str(az->ctx, P_STATE_DIR), az->base,
                          prefix, when)
               == 0) {
        geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                           0600);
        geoha_notice("Report written | file='%s'", path);
    }
    free(text);
}

/* The location of a server that ARM no longer knows (an unfinished reseed). */
static int
pending_location(struct az *az)
{
    char *text = NULL;
    json_t *j;
    int rc = geoha_file_read(az->pending_path, 65536, &text, NULL);

    if (rc != 0) {
        return rc;
    }
    j = json_loads(text, 0, NULL);
    free(text);
    az_copy_field(me(az)->location, sizeof(me(az)->location), j, "location");
    json_decref(j);
    return me(az)->location[0] != '\0' ? 0 : GEOHA_E_PARSE;
}

int
geoha__mysql_azure_reseed(struct geoha_ctx *ctx)
{
    struct az az;
    struct geoha_sql_status ws = { 0 }, ls = { 0 };
    struct geoha_gtid_set *sl = NULL, *sw = NULL, *diff = NULL;
    char node[GEOHA_NODE_MAX], when[32];
    char *errant = NULL;
    uint64_t count = 0;
    int64_t t0 = geoha_now_ms();
    int w = -1;
    int rc;

    if (!az_begin(ctx, &az, &rc)) {
        return rc;
    }
    rc = az_read_me(&az);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    az_others_get(&az);
    /* the writer: promoted in the cluster, else the only other standalone */
    if (geoha__mysql_cluster_writer(az.base, &ctx->deadline, node) == 0) {
        for (size_t i = 0; i < az.n; i++) {
            if (strcmp(az.s[i].node, node) == 0) {
                w = (int)i;
            }
        }
    } else {
        for (size_t i = 0; i < az.n; i++) {
            if (i != az.me && standalone(&az.s[i]) && running(&az.s[i])) {
                w = w == -1 ? (int)i : -2;
            }
        }
    }
    if (w < 0 || (size_t)w == az.me || !standalone(&az.s[w])
        || !running(&az.s[w])) {
        geoha_exit_reason("Refusing to reseed '%s': no single other running "
                          "standalone writer is known%s",
                          me(&az)->name,
                          (w >= 0 && (size_t)w == az.me)
                              ? " (this node holds the writer role)"
                              : "");
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (replica_of(me(&az), &az.s[w]) && running(me(&az))) {
        geoha_notice("Already a replica of the writer | server='%s' "
                     "writer='%s'",
                     me(&az)->name, az.s[w].name);
        az_mark_clear(&az);
        unlink(az.pending_path);
        rc = OCF_SUCCESS;
        goto done;
    }
    if (!me(&az)->gone) {
        json_t *rep;
        bool discard = geoha_streq(getenv(ENV_RESEED_DISCARD), "yes");
        enum sqlstate ss;

        if (!standalone(me(&az))) {
            geoha_exit_reason("Refusing to reseed '%s': it is a replica of "
                              "another server ('%s')",
                              me(&az)->name, me(&az)->source);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        /*
         * S4: what does it hold that the writer lacks? Only a running
         * server can say. A stopped one is not started for that: Azure
         * starts a standalone server writable (S1) unless its read_only
         * parameter is ON, and that cannot be read while it is stopped.
         * It took no write since it was stopped; what it held then is in
         * the promotion's decision record on the writer's node.
         */
        if (!running(me(&az)) && !discard) {
            geoha_exit_reason("Refusing to reseed '%s' without looking: it "
                              "is stopped, and started it would take writes "
                              "beside the writer '%s'. Its last position is "
                              "in the promotion's decision record "
                              "(mysql-%s-decisions.jsonl in state_dir on "
                              "node %s). Set %s=yes to reseed it",
                              me(&az)->name, az.s[w].name, az.base,
                              az.s[w].node, ENV_RESEED_DISCARD);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        ss = az_sql_probe(&az, az.me, &ls);
        if (ss == SQL_WRITABLE) {
            struct geoha_deadline rd =
                geoha_deadline_min(&ctx->deadline, PEER_SQL_MS);
            const char *how = "";

            /* a second writer (firewall cut, or started by hand): close it,
             * then read what it holds for good */
            if (az_set_read_only(&az, az.me, true, false, &rd, &how) == 0) {
                geoha_notice("The stale server was writable; read-only now | "
                             "server='%s'",
                             me(&az)->name);
            }
            geoha_sql_status_clear(&ls);
            ss = az_sql_probe(&az, az.me, &ls);
        }
        if (ss >= SQL_READ_ONLY
            && az_sql_probe(&az, (size_t)w, &ws) >= SQL_READ_ONLY
            && geoha_gtid_set_parse(ls.gtid_state, GEOHA_GTID_ANY, &sl) == 0
            && geoha_gtid_set_parse(ws.gtid_state, GEOHA_GTID_ANY, &sw) == 0
            && geoha_gtid_set_difference(sl, sw, &diff) == 0
            && geoha_gtid_set_format(diff, &errant) == 0
            && geoha_gtid_set_count(diff, &count) == 0) {
            rep = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}",
                            "server", me(&az)->name, "writer", az.s[w].name,
                            "local_gtid", ls.gtid_state, "writer_gtid",
                            ws.gtid_state, "errant_gtids", errant, "action",
                            "reseed", "errant_count", (json_int_t)count,
                            "discarded", count > 0 && discard);
        } else {
            rep = json_pack("{s:s, s:s, s:s, s:s, s:b}", "server",
                            me(&az)->name, "writer", az.s[w].name, "action",
                            "reseed", "errant_gtids", "unknown: not readable",
                            "discarded", discard);
            if (!discard) {
                json_decref(rep);
                geoha_exit_reason("Refusing to reseed '%s': cannot compare "
                                  "its GTID set with the writer's (set "
                                  "%s=yes to reseed without looking)",
                                  me(&az)->name, ENV_RESEED_DISCARD);
                rc = OCF_ERR_GENERIC;
                goto done;
            }
        }
        if (rep != NULL) {
            geoha__mysql_iso_time(when, sizeof(when));
            json_object_set_new(rep, "time", json_string(when));
            write_report(&az, "reseed", rep);
        }
        json_decref(rep);
        if (count > 0 && !discard) {
            geoha_exit_reason("Refusing to reseed '%s': it holds %llu "
                              "transaction(s) the writer '%s' lacks (%s); "
                              "save them, then run again with %s=yes",
                              me(&az)->name, (unsigned long long)count,
                              az.s[w].name, errant, ENV_RESEED_DISCARD);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        /* remember where it lived, then drop it (Azure refuses the name) */
        {
            json_t *p = json_pack("{s:s, s:s, s:s}", "server", me(&az)->name,
                                  "location", me(&az)->location, "source",
                                  az.s[w].path);
            char *text = p != NULL ? json_dumps(p, 0) : NULL;

            json_decref(p);
            geoha_dir_ensure(geoha_param_str(ctx, P_STATE_DIR), 0700);
            rc = text != NULL
                     ? geoha_file_replace(az.pending_path, text, strlen(text),
                                          (uid_t)-1, (gid_t)-1, 0600)
                     : -ENOMEM;
            free(text);
            if (rc != 0) {
                geoha_exit_reason("Cannot write '%s': %s", az.pending_path,
                                  geoha_strerror(rc));
                rc = OCF_ERR_GENERIC;
                goto done;
            }
        }
        geoha_notice("Deleting the stale server | server='%s'", me(&az)->name);
        rc = geoha_arm_call(az.arm, GEOHA_ARM_DELETE, me(&az)->path,
                            AZ_API_VERSION, NULL, &ctx->deadline, NULL);
        if (rc != 0 && rc != GEOHA_E_NOT_FOUND) {
            geoha_exit_reason("Cannot delete '%s': %s", me(&az)->name,
                              geoha_arm_why(az.arm, rc));
            rc = OCF_ERR_GENERIC;
            goto done;
        }
    } else if (pending_location(&az) != 0) {
        geoha_exit_reason("Server '%s' does not exist and its location is "
                          "unknown (no '%s')",
                          me(&az)->name, az.pending_path);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    {
        json_t *body = json_pack(
            "{s:s, s:{s:s, s:s}}", "location", me(&az)->location, "properties",
            "createMode", "Replica", "sourceServerResourceId", az.s[w].path);

        geoha_notice("Creating the replica | server='%s' source='%s'",
                     me(&az)->name, az.s[w].name);
        rc = body != NULL
                 ? geoha_arm_call(az.arm, GEOHA_ARM_PUT, me(&az)->path,
                                  AZ_API_VERSION, body, &ctx->deadline, NULL)
                 : -ENOMEM;
        json_decref(body);
    }
    if (rc == 0) {
        rc = az_server_get(&az, az.me, &ctx->deadline);
    }
    if (rc != 0 || !replica_of(me(&az), &az.s[w])) {
        geoha_exit_reason(
            "The replica '%s' was not created: %s%s", me(&az)->name,
            rc != 0 ? geoha_arm_why(az.arm, rc) : "Azure shows role ",
            rc != 0 ? "; run reseed again to carry on"
                    : str_or(me(&az)->role, "?"));
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    az_mark_clear(&az);
    unlink(az.pending_path);
    geoha__mysql_iso_time(when, sizeof(when));
    {
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "time", when, "action",
            "reseed", "backend", BACKEND_AZURE, "node", ctx->node, "server",
            me(&az)->name, "source", az.s[w].name, "errant_count",
            (json_int_t)count, "total_ms", (json_int_t)(geoha_now_ms() - t0));

        if (j != NULL) {
            az_record_decision(&az, j);
        }
        json_decref(j);
    }
    geoha_notice("Reseeded: '%s' replicates from '%s'; run crm resource "
                 "cleanup",
                 me(&az)->name, az.s[w].name);
    rc = OCF_SUCCESS;
done:
    geoha_gtid_set_free(sl);
    geoha_gtid_set_free(sw);
    geoha_gtid_set_free(diff);
    free(errant);
    geoha_sql_status_clear(&ls);
    geoha_sql_status_clear(&ws);
    az_end(&az);
    return rc;
}
