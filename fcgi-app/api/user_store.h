#ifndef QUARRY_API_USER_STORE_H
#define QUARRY_API_USER_STORE_H
/* Every statement on the users table. */
#include <stdbool.h>

#include "api/request.h"
#include "common/db.h"
#include "common/password.h"

struct user_login {
    struct user user;
    char password_hash[PASSWORD_HASH_MAX];
};

/* Emails are stored lower-case (ASCII letters only, as register, login and
 * create-admin agree): lowers s in place. */
void user_email_lower(char *s);

/* Inserts u (is_active and is_superuser as u says); DB_DUPLICATE when its
 * email or username is taken. */
enum db_status user_insert(struct db *db, const struct user *u, const char *password_hash);
/* Makes u->email (lower-case) an active administrator with this password
 * hash, in one transaction: the user with that email is promoted (its
 * username set when u->username is not ""), or a new one is made
 * (*created). u->id receives the user's id. */
enum db_status user_make_admin(struct db *db, struct user *u, const char *password_hash,
                               bool *created);
/* The finders copy the user into *out (fixed-size fields: nothing to free);
 * DB_NO_ROW when there is none. */
enum db_status user_find_by_id(struct db *db, const char *id, struct user *out);
/* login is an email or a username; the password hash comes along. */
enum db_status user_find_for_login(struct db *db, const char *login, struct user_login *out);
enum db_status user_find_by_email(struct db *db, const char *email, struct user *out);
/* The user an external identity (its issuer's iss and the subject) maps to. */
enum db_status user_find_by_identity(struct db *db, const char *iss, const char *subject,
                                     struct user *out);
enum db_status user_update_password_hash(struct db *db, const char *id, const char *hash);
/* Which of email and username are taken: bit 1 email, bit 2 username. */
enum db_status user_taken(struct db *db, const char *email, const char *username, int *taken);
/* The user object of the API: a new object owned by the caller. */
json_object *user_to_json(const struct user *u);

#endif
