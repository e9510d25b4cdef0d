/* The API's route table: every endpoint in one place. */
#include "api/routes.h"

#include "api/handlers.h"
#include "api/route_doc.h"

const struct route api_routes[] = {
    {"GET", "/api/v1/health", health_get, ROUTE_PUBLIC},
    {"POST", "/api/v1/auth/register", auth_register, ROUTE_PUBLIC},
    {"POST", "/api/v1/auth/login", auth_login, ROUTE_PUBLIC},
    {"GET", "/api/v1/auth/me", auth_me, ROUTE_USER},
    {"GET", "/api/v1/users/me", auth_me, ROUTE_USER},
    {"POST", "/api/v1/jobs", jobs_create, ROUTE_USER},
    {"GET", "/api/v1/jobs", jobs_list, ROUTE_USER},
    {"GET", "/api/v1/jobs/{id}", jobs_get, ROUTE_USER},
    {"POST", "/api/v1/jobs/{id}/upload-url", jobs_upload_url, ROUTE_USER},
    {"POST", "/api/v1/jobs/{id}/mark-uploaded", jobs_mark_uploaded, ROUTE_USER},
    {"POST", "/api/v1/jobs/{id}/download-url", jobs_download_url, ROUTE_USER},
    {"GET", "/api/v1/jobs/{id}/download", jobs_download, ROUTE_USER},
    {"POST", "/api/v1/jobs/{id}/cancel", jobs_cancel, ROUTE_USER},
    {"GET", "/api/v1/jobs/{id}/errors", jobs_errors, ROUTE_USER},
    {"GET", "/api/v1/status/{uploadId}", status_get, ROUTE_USER},
    {"POST", "/api/v1/status/{uploadId}/cancel", status_cancel, ROUTE_USER},
    {"POST", "/api/v1/files/upload", files_upload, ROUTE_USER},
    {"GET", "/api/v1/files", files_list, ROUTE_USER},
    {"GET", "/api/v1/files/{id}", files_get, ROUTE_USER},
    {"DELETE", "/api/v1/files/{id}", files_delete, ROUTE_USER},
    {"POST", "/api/v1/files/{id}/process", files_process, ROUTE_USER},
    {"GET", "/api/v1/files/{id}/schema", files_schema, ROUTE_USER},
    {"POST", "/api/v1/clients", clients_create, ROUTE_ADMIN},
    {"GET", "/api/v1/clients", clients_list, ROUTE_USER},
    {"POST", "/api/v1/clients/{krn}/members", clients_add_member, ROUTE_ADMIN},
    {"POST", "/api/v1/clients/{krn}/progress", progress_report, ROUTE_USER},
    {"GET", "/api/v1/clients/{krn}/progress", progress_show, ROUTE_USER},
    {"GET", "/api/v1/metrics", ops_metrics, ROUTE_PUBLIC},
    {"GET", "/api/v1/monitoring/system-status", ops_system_status, ROUTE_USER},
    {"GET", "/api/v1/openapi.json", openapi_get, ROUTE_PUBLIC},
    {"OPTIONS", "/api/v1/uploads", uploads_options, ROUTE_PUBLIC},
    {"POST", "/api/v1/uploads", uploads_create, ROUTE_USER},
    {"OPTIONS", "/api/v1/uploads/{id}", uploads_options, ROUTE_PUBLIC},
    {"HEAD", "/api/v1/uploads/{id}", uploads_head, ROUTE_USER},
    {"GET", "/api/v1/uploads/{id}", uploads_get, ROUTE_USER},
    {"PATCH", "/api/v1/uploads/{id}", uploads_patch, ROUTE_USER},
    {"DELETE", "/api/v1/uploads/{id}", uploads_delete, ROUTE_USER},
    {"POST", "/api/v1/webhooks", webhooks_create, ROUTE_USER},
    {"GET", "/api/v1/webhooks", webhooks_list, ROUTE_USER},
    {"GET", "/api/v1/webhooks/{id}", webhooks_get, ROUTE_USER},
    {"DELETE", "/api/v1/webhooks/{id}", webhooks_delete, ROUTE_USER},
    {"GET", "/api/v1/webhooks/{id}/deliveries", webhooks_deliveries, ROUTE_USER},
    {"POST", "/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver", webhooks_redeliver,
     ROUTE_USER},
    {"GET", "/internal/object-auth", object_auth, ROUTE_INTERNAL},
    {"PUT", "/internal/object-auth", object_auth, ROUTE_INTERNAL},
    {"HEAD", "/internal/object-auth", object_auth, ROUTE_INTERNAL},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

const handler_fn api_query_handlers[] = {
    jobs_list, jobs_errors, files_list, files_schema, clients_list, progress_show,
    webhooks_list, webhooks_deliveries,
};

const size_t api_nquery_handlers = sizeof(api_query_handlers) / sizeof(api_query_handlers[0]);

/* What the OpenAPI document says of each handler (api/route_doc.h): a route
 * finds its doc here by its handler. */
const struct route_doc *const api_route_docs[] = {
    &health_get_doc, &auth_register_doc, &auth_login_doc, &auth_me_doc,
    &jobs_create_doc, &jobs_list_doc, &jobs_get_doc, &jobs_upload_url_doc,
    &jobs_mark_uploaded_doc, &jobs_download_url_doc, &jobs_download_doc, &jobs_cancel_doc,
    &jobs_errors_doc, &status_get_doc, &status_cancel_doc,
    &files_upload_doc, &files_list_doc, &files_get_doc, &files_delete_doc, &files_process_doc,
    &files_schema_doc, &clients_create_doc, &clients_list_doc, &clients_add_member_doc,
    &progress_report_doc, &progress_show_doc, &ops_metrics_doc, &ops_system_status_doc,
    &openapi_get_doc, &webhooks_create_doc, &webhooks_list_doc, &webhooks_get_doc,
    &webhooks_delete_doc, &webhooks_deliveries_doc, &webhooks_redeliver_doc,
    &uploads_options_doc, &uploads_create_doc, &uploads_head_doc, &uploads_get_doc,
    &uploads_patch_doc, &uploads_delete_doc,
};

const size_t api_nroute_docs = sizeof(api_route_docs) / sizeof(api_route_docs[0]);
