/*
 * The plain approach StoreBench is compared with: one WITHOUT ROWID table keyed by the random
 * 16-byte key, INSERT OR IGNORE of sorted batches, WAL. Set G below N to get the generation
 * layout the store uses (key range of the newest generation only), without Bloom filters.
 *
 *   cc -O2 benchmarks/store/plain_baseline.c -lsqlite3 -o /tmp/plain_baseline
 *   /tmp/plain_baseline N G SYNC BATCH       e.g. 5000000 5000000 FULL 10000  (plain)
 *                                                5000000 250000 FULL 10000   (generations)
 * Prints the insert rate for each fifth of N.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t state[2] = {0x12345678, 0x9abcdef};
static uint64_t next(void) { /* xorshift128+ */
    uint64_t s1 = state[0];
    const uint64_t s0 = state[1];
    state[0] = s0;
    s1 ^= s1 << 23;
    state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return state[1] + s0;
}
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
static int compare(const void *a, const void *b) { return memcmp(a, b, 16); }

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s N G SYNC BATCH\n", argv[0]); return 2; }
    long n = atol(argv[1]), g = atol(argv[2]);
    int batch = atoi(argv[4]);
    const char *path = "/tmp/plain_baseline.db";
    char sql[128];
    remove(path);
    snprintf(sql, sizeof sql, "%s-wal", path); remove(sql);
    snprintf(sql, sizeof sql, "%s-shm", path); remove(sql);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA cache_size=-262144; PRAGMA wal_autocheckpoint=10000", 0, 0, 0);
    snprintf(sql, sizeof sql, "PRAGMA synchronous=%s", argv[3]);
    sqlite3_exec(db, sql, 0, 0, 0);
    sqlite3_exec(db, "CREATE TABLE d(g INTEGER NOT NULL, k BLOB NOT NULL, t INTEGER NOT NULL, p INTEGER NOT NULL,"
                     " PRIMARY KEY(g, k)) WITHOUT ROWID", 0, 0, 0);
    sqlite3_stmt *insert;
    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO d VALUES(?, ?, ?, ?)", -1, &insert, 0);
    unsigned char *keys = malloc(16 * (size_t)batch);
    long done = 0, mark = n / 5;
    double start = now(), last = start;
    while (done < n) {
        for (int i = 0; i < batch; i++) {
            uint64_t a = next(), b = next();
            memcpy(keys + 16 * i, &a, 8);
            memcpy(keys + 16 * i + 8, &b, 8);
        }
        qsort(keys, batch, 16, compare);
        sqlite3_exec(db, "BEGIN", 0, 0, 0);
        for (int i = 0; i < batch; i++) {
            sqlite3_bind_int64(insert, 1, done / g);
            sqlite3_bind_blob(insert, 2, keys + 16 * i, 16, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 3, 1700000000000LL + done);
            sqlite3_bind_int64(insert, 4, 1);
            if (sqlite3_step(insert) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
            sqlite3_reset(insert);
        }
        sqlite3_exec(db, "COMMIT", 0, 0, 0);
        done += batch;
        if (done % mark == 0) {
            double t = now();
            printf("%ld keys: %.0f/s\n", done, mark / (t - last));
            fflush(stdout);
            last = t;
        }
    }
    printf("overall %.0f/s\n", n / (now() - start));
    sqlite3_close(db);
    free(keys);
    return 0;
}
