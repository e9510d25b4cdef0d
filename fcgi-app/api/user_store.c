#include "api/user_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store.h"

#define USER_COLUMNS "id, email, username, full_name, is_active, is_superuser, created_at"

void user_email_lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void user_from_row(struct user *u, const struct db_row *row)
{
    db_row_copy(row, 0, u->id, sizeof(u->id));
    db_row_copy(row, 1, u->email, sizeof(u->email));
    db_row_copy(row, 2, u->username, sizeof(u->username));
    db_row_copy(row, 3, u->full_name, sizeof(u->full_name));
    u->is_active = db_row_int(row, 4) != 0;
    u->is_superuser = db_row_int(row, 5) != 0;
    if (!time_db_to_iso(row->values[6], u->created_at))
        u->created_at[0] = '\0';
}

struct user_found {
    struct user *user;
    char *hash;
    bool found;
};

static int take_user(void *ctx, const struct db_row *row)
{
    struct user_found *f = ctx;
    user_from_row(f->user, row);
    if (f->hash != NULL)
        db_row_copy(row, 7, f->hash, PASSWORD_HASH_MAX);
    f->found = true;
    return 1;
}

enum db_status user_insert(struct db *db, const struct user *u, const char *password_hash)
{
    char now[DB_TIME_LEN + 1];
    time_db(time_now_ms(), now);
    return db_exec(db,
                   "INSERT INTO users (id, email, username, full_name, password_hash, is_active,"
                   " is_superuser, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   DB_PARAMS(P_STR(u->id), P_STR(u->email), P_STR(u->username[0] ? u->username : NULL),
                             P_STR(u->full_name[0] ? u->full_name : NULL), P_STR(password_hash),
                             P_INT(u->is_active), P_INT(u->is_superuser), P_STR(now), P_STR(now)),
                   NULL);
}

enum db_status user_make_admin(struct db *db, struct user *u, const char *password_hash,
                               bool *created)
{
    char now[DB_TIME_LEN + 1];
    struct user found;
    struct user_found f = {&found, NULL, false};
    *created = false;
    time_db(time_now_ms(), now);
    enum db_status st = db_begin(db);
    if (st != DB_OK)
        return st;
    st = db_query(db, "SELECT " USER_COLUMNS " FROM users WHERE email = ? FOR UPDATE",
                  DB_PARAMS(P_STR(u->email)), take_user, &f);
    if (st == DB_OK && f.found) {
        memcpy(u->id, found.id, sizeof(u->id));
        st = db_exec(db,
                     "UPDATE users SET password_hash = ?, is_superuser = 1, is_active = 1,"
                     " username = COALESCE(?, username), updated_at = ? WHERE id = ?",
                     DB_PARAMS(P_STR(password_hash), P_STR(u->username[0] ? u->username : NULL),
                               P_STR(now), P_STR(u->id)),
                     NULL);
    } else if (st == DB_OK) {
        id_uuid4(u->id);
        u->is_active = u->is_superuser = true;
        st = user_insert(db, u, password_hash);
        *created = st == DB_OK;
    }
    st = db_end(db, st);
    if (st != DB_OK)
        *created = false;
    return st;
}

enum db_status user_find_by_id(struct db *db, const char *id, struct user *out)
{
    struct user_found f = {out, NULL, false};
    enum db_status st = db_query(db, "SELECT " USER_COLUMNS " FROM users WHERE id = ?",
                                 DB_PARAMS(P_STR(id)), take_user, &f);
    return st != DB_OK ? st : f.found ? DB_OK : DB_NO_ROW;
}

enum db_status user_find_by_email(struct db *db, const char *email, struct user *out)
{
    struct user_found f = {out, NULL, false};
    enum db_status st = db_query(db, "SELECT " USER_COLUMNS " FROM users WHERE email = ?",
                                 DB_PARAMS(P_STR(email)), take_user, &f);
    return st != DB_OK ? st : f.found ? DB_OK : DB_NO_ROW;
}

enum db_status user_find_by_identity(struct db *db, const char *iss, const char *subject,
                                     struct user *out)
{
    struct user_found f = {out, NULL, false};
    enum db_status st = db_query(db,
                                 "SELECT u.id, u.email, u.username, u.full_name, u.is_active,"
                                 " u.is_superuser, u.created_at FROM external_identities x"
                                 " JOIN users u ON u.id = x.user_id"
                                 " WHERE x.issuer = ? AND x.subject = ?",
                                 DB_PARAMS(P_STR(iss), P_STR(subject)), take_user, &f);
    return st != DB_OK ? st : f.found ? DB_OK : DB_NO_ROW;
}

enum db_status user_find_for_login(struct db *db, const char *login, struct user_login *out)
{
    struct user_found f = {&out->user, out->password_hash, false};
    enum db_status st = db_query(
        db,
        "SELECT " USER_COLUMNS ", password_hash FROM users WHERE email = ? OR username = ? "
        "ORDER BY email = ? DESC LIMIT 1",
        DB_PARAMS(P_STR(login), P_STR(login), P_STR(login)), take_user, &f);
    return st != DB_OK ? st : f.found ? DB_OK : DB_NO_ROW;
}

enum db_status user_update_password_hash(struct db *db, const char *id, const char *hash)
{
    char now[DB_TIME_LEN + 1];
    time_db(time_now_ms(), now);
    return db_exec(db, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                   DB_PARAMS(P_STR(hash), P_STR(now), P_STR(id)), NULL);
}

struct taken_ctx {
    const char *email;
    int taken;
};

static int take_taken(void *ctx, const struct db_row *row)
{
    struct taken_ctx *t = ctx;
    if (row->values[0] && strcmp(row->values[0], t->email) == 0)
        t->taken |= 1;
    else
        t->taken |= 2;
    return 0;
}

enum db_status user_taken(struct db *db, const char *email, const char *username, int *taken)
{
    struct taken_ctx t = {email, 0};
    enum db_status st = db_query(db, "SELECT email FROM users WHERE email = ? OR username = ?",
                                 DB_PARAMS(P_STR(email), P_STR(username)), take_taken, &t);
    *taken = t.taken;
    return st;
}

/* Optional texts are "" in struct user and null in JSON. */
static json_object *optional_json(const char *s)
{
    return store_text_json(s[0] != '\0' ? s : NULL);
}

json_object *user_to_json(const struct user *u)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(u->id));
    json_object_object_add(o, "email", json_object_new_string(u->email));
    json_object_object_add(o, "username", optional_json(u->username));
    json_object_object_add(o, "full_name", optional_json(u->full_name));
    json_object_object_add(o, "is_active", json_object_new_boolean(u->is_active));
    json_object_object_add(o, "is_superuser", json_object_new_boolean(u->is_superuser));
    json_object_object_add(o, "created_at", optional_json(u->created_at));
    return o;
}
