"""Who may call what: every API operation × every persona × an object inside and
outside the persona's reach, with the expected status, in one table.

The table is checked against the routes of the OpenAPI schema: an operation
missing from it fails the suite.

Personas: admin; managers of the center C, the institute I1 and the station S1;
a manager of the sibling station S2 ("other manager"); the volunteer at S1 and a
volunteer at S2; anonymous. "in" objects belong to S1 (and to the volunteer);
"out" objects to S4 under another center.
"""

import datetime
import io

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from events.checkin_codes import make_event_code, make_volunteer_code
from events.models import Method, RefusedScan
from events.services import approve_record, record_scan, sign_up
from stations.models import Level
from tests.activity_calendar import matrix_c as calendar_matrix
from tests.assessment import matrix_d as assessment_matrix
from tests.conftest import client_for, make_manager, make_unit, make_volunteer
from tests.events.conftest import make_event
from tests.notifications import matrix_b, matrix_d, matrix_e, matrix_f
from tests.offline_codes import matrix_a as cards_matrix
from tests.offline_devices import matrix_b as scanner_matrix
from tests.points.matrix import PATHS as POINTS_PATHS
from tests.points.matrix import ROWS as POINTS_ROWS
from tests.points.matrix import points_request
from tests.projects import matrix_b as projects_matrix
from tests.reports_places import matrix_e as project_list_matrix
from tests.venues import matrix_a as venues_matrix
from volunteers.models import Skill, Team

PERSONAS = ["admin", "center", "institute", "station", "other_manager", "volunteer", "other_volunteer", "anonymous"]

# method, path, target: statuses for the personas in the order above.
TABLE = """
POST   /api/v1/auth/token/                          -    200 200 200 200 200 200 200 200
GET    /api/v1/auth/whoami/                         -    200 200 200 200 200 200 200 401
POST   /api/v1/auth/password/                       -    400 400 400 400 400 400 400 401
POST   /api/v1/auth/logout/                         -    204 204 204 204 204 204 204 401
POST   /api/v1/auth/logout-everywhere/              -    204 204 204 204 204 204 204 401
GET    /api/v1/units/                               -    200 200 200 200 200 200 200 200
POST   /api/v1/units/                               in   201 201 201 400 400 403 403 401
POST   /api/v1/units/                               out  201 400 400 400 400 403 403 401
GET    /api/v1/units/{id}/                          in   200 200 200 200 200 200 200 200
GET    /api/v1/units/{id}/                          out  200 200 200 200 200 200 200 200
PUT    /api/v1/units/{id}/                          in   200 200 200 200 404 403 403 401
PUT    /api/v1/units/{id}/                          out  200 404 404 404 404 403 403 401
PATCH  /api/v1/units/{id}/                          in   200 200 200 200 404 403 403 401
PATCH  /api/v1/units/{id}/                          out  200 404 404 404 404 403 403 401
DELETE /api/v1/units/{id}/                          in   204 204 204 404 404 403 403 401
DELETE /api/v1/units/{id}/                          out  204 404 404 404 404 403 403 401
GET    /api/v1/units/{id}/managers/                 in   200 200 200 200 404 404 404 401
GET    /api/v1/units/{id}/managers/                 out  200 404 404 404 404 404 404 401
POST   /api/v1/units/{id}/managers/                 in   201 201 201 403 404 404 404 401
POST   /api/v1/units/{id}/managers/                 out  201 404 404 404 404 404 404 401
DELETE /api/v1/units/{id}/managers/{user_id}/       in   204 204 204 403 404 404 404 401
DELETE /api/v1/units/{id}/managers/{user_id}/       out  204 404 404 404 404 404 404 401
POST   /api/v1/volunteers/register/                 -    201 201 201 201 201 201 201 201
GET    /api/v1/volunteers/                          -    200 200 200 200 200 200 200 401
GET    /api/v1/volunteers/{id}/                     in   200 200 200 200 404 200 404 401
GET    /api/v1/volunteers/{id}/                     out  200 404 404 404 404 404 404 401
PUT    /api/v1/volunteers/{id}/                     in   200 200 200 200 404 403 403 401
PUT    /api/v1/volunteers/{id}/                     out  200 404 404 404 404 403 403 401
PATCH  /api/v1/volunteers/{id}/                     in   200 200 200 200 404 403 403 401
PATCH  /api/v1/volunteers/{id}/                     out  200 404 404 404 404 403 403 401
GET    /api/v1/me/                                  -    404 404 404 404 404 200 200 401
PATCH  /api/v1/me/                                  -    404 404 404 404 404 200 200 401
GET    /api/v1/me/checkin-code/                     -    403 403 403 403 403 200 200 401
GET    /api/v1/skills/                              -    200 200 200 200 200 200 200 200
POST   /api/v1/skills/                              -    201 201 201 201 201 403 403 401
GET    /api/v1/teams/                               -    200 200 200 200 200 200 200 401
POST   /api/v1/teams/                               in   201 201 201 201 400 403 403 401
POST   /api/v1/teams/                               out  201 400 400 400 400 403 403 401
GET    /api/v1/teams/{id}/                          in   200 200 200 200 404 200 404 401
GET    /api/v1/teams/{id}/                          out  200 404 404 404 404 404 404 401
PUT    /api/v1/teams/{id}/                          in   200 200 200 200 404 403 403 401
PUT    /api/v1/teams/{id}/                          out  200 404 404 404 404 403 403 401
PATCH  /api/v1/teams/{id}/                          in   200 200 200 200 404 403 403 401
PATCH  /api/v1/teams/{id}/                          out  200 404 404 404 404 403 403 401
DELETE /api/v1/teams/{id}/                          in   204 204 204 204 404 403 403 401
DELETE /api/v1/teams/{id}/                          out  204 404 404 404 404 403 403 401
GET    /api/v1/events/                              -    200 200 200 200 200 200 200 401
POST   /api/v1/events/                              in   201 201 201 201 400 403 403 401
POST   /api/v1/events/                              out  201 400 400 400 400 403 403 401
GET    /api/v1/events/{id}/                         in   200 200 200 200 200 200 200 401
GET    /api/v1/events/{id}/                         out  200 200 200 200 200 200 200 401
PUT    /api/v1/events/{id}/                         in   200 200 200 200 404 403 403 401
PUT    /api/v1/events/{id}/                         out  200 404 404 404 404 403 403 401
PATCH  /api/v1/events/{id}/                         in   200 200 200 200 404 403 403 401
PATCH  /api/v1/events/{id}/                         out  200 404 404 404 404 403 403 401
DELETE /api/v1/events/{id}/                         in   204 204 204 204 404 403 403 401
DELETE /api/v1/events/{id}/                         out  204 404 404 404 404 403 403 401
POST   /api/v1/events/{id}/publish/                 in   200 200 200 200 404 403 403 401
POST   /api/v1/events/{id}/publish/                 out  200 404 404 404 404 403 403 401
POST   /api/v1/events/{id}/cancel/                  in   200 200 200 200 404 403 403 401
POST   /api/v1/events/{id}/cancel/                  out  200 404 404 404 404 403 403 401
POST   /api/v1/events/{id}/signup/                  in   403 403 403 403 403 200 201 401
POST   /api/v1/events/{id}/signup/                  out  403 403 403 403 403 201 201 401
DELETE /api/v1/events/{id}/signup/                  in   403 403 403 403 403 204 404 401
DELETE /api/v1/events/{id}/signup/                  out  403 403 403 403 403 404 404 401
GET    /api/v1/events/{id}/signups/                 in   200 200 200 200 404 403 403 401
GET    /api/v1/events/{id}/signups/                 out  200 404 404 404 404 403 403 401
GET    /api/v1/events/{id}/checkin-code/            in   200 200 200 200 404 403 403 401
GET    /api/v1/events/{id}/checkin-code/            out  200 404 404 404 404 403 403 401
POST   /api/v1/events/{id}/scan/                    in   201 201 201 201 404 403 403 401
POST   /api/v1/events/{id}/scan/                    out  201 404 404 404 404 403 403 401
POST   /api/v1/checkins/                            in   403 403 403 403 403 200 201 401
POST   /api/v1/checkins/                            out  403 403 403 403 403 201 201 401
GET    /api/v1/records/                             -    200 200 200 200 200 200 200 401
POST   /api/v1/records/                             in   201 201 201 201 400 403 403 401
POST   /api/v1/records/                             out  201 400 400 400 400 403 403 401
GET    /api/v1/records/{id}/                        in   200 200 200 200 404 200 404 401
GET    /api/v1/records/{id}/                        out  200 404 404 404 404 404 404 401
PATCH  /api/v1/records/{id}/                        in   200 200 200 200 404 403 403 401
PATCH  /api/v1/records/{id}/                        out  200 404 404 404 404 403 403 401
POST   /api/v1/records/{id}/approve/                in   200 200 200 200 404 403 403 401
POST   /api/v1/records/{id}/approve/                out  200 404 404 404 404 403 403 401
POST   /api/v1/records/{id}/reject/                 in   200 200 200 200 404 403 403 401
POST   /api/v1/records/{id}/reject/                 out  200 404 404 404 404 403 403 401
GET    /api/v1/records/{id}/history/                in   200 200 200 200 404 200 404 401
GET    /api/v1/records/{id}/history/                out  200 404 404 404 404 404 404 401
POST   /api/v1/records/bulk-approve/                in   200 200 200 200 200 403 403 401
GET    /api/v1/refused-scans/                       -    200 200 200 200 200 403 403 401
GET    /api/v1/refused-scans/{id}/                  in   200 200 200 200 404 403 403 401
GET    /api/v1/refused-scans/{id}/                  out  200 404 404 404 404 403 403 401
GET    /api/v1/certificates/                        -    200 200 200 200 200 200 200 401
POST   /api/v1/certificates/                        in   201 201 201 201 400 403 403 401
POST   /api/v1/certificates/                        out  201 400 400 400 400 403 403 401
GET    /api/v1/certificates/{id}/                   in   200 200 200 200 404 200 404 401
GET    /api/v1/certificates/{id}/                   out  200 404 404 404 404 404 404 401
GET    /api/v1/certificates/{id}/pdf/               in   200 200 200 200 404 200 404 401
GET    /api/v1/certificates/{id}/pdf/               out  200 404 404 404 404 404 404 401
POST   /api/v1/certificates/{id}/revoke/            in   200 200 200 200 404 403 403 401
POST   /api/v1/certificates/{id}/revoke/            out  200 404 404 404 404 403 403 401
POST   /api/v1/certificates/{id}/reissue/           in   201 201 201 201 404 403 403 401
POST   /api/v1/certificates/{id}/reissue/           out  201 404 404 404 404 403 403 401
GET    /api/v1/certificates/verify/                 in   200 200 200 200 200 200 200 200
GET    /api/v1/certificate-requests/                -    200 200 200 200 200 200 200 401
POST   /api/v1/certificate-requests/                in   403 403 403 403 403 201 409 401
POST   /api/v1/certificate-requests/                out  403 403 403 403 403 409 409 401
GET    /api/v1/certificate-requests/{id}/           in   200 200 200 200 404 200 404 401
GET    /api/v1/certificate-requests/{id}/           out  200 404 404 404 404 404 404 401
POST   /api/v1/certificate-requests/{id}/accept/    in   200 200 200 200 404 403 403 401
POST   /api/v1/certificate-requests/{id}/accept/    out  200 404 404 404 404 403 403 401
POST   /api/v1/certificate-requests/{id}/decline/   in   200 200 200 200 404 403 403 401
POST   /api/v1/certificate-requests/{id}/decline/   out  200 404 404 404 404 403 403 401
GET    /api/v1/certificate-jobs/                    -    200 200 200 200 200 403 403 401
POST   /api/v1/certificate-jobs/                    in   201 201 201 201 400 403 403 401
POST   /api/v1/certificate-jobs/                    out  201 400 400 400 400 403 403 401
GET    /api/v1/certificate-jobs/{id}/               in   200 200 200 200 404 403 403 401
GET    /api/v1/certificate-jobs/{id}/               out  200 404 404 404 404 403 403 401
GET    /api/v1/certificate-jobs/{id}/zip/           in   200 200 200 200 404 403 403 401
GET    /api/v1/certificate-jobs/{id}/zip/           out  200 404 404 404 404 403 403 401
GET    /api/v1/certificate-jobs/{id}/combined-pdf/  in   200 200 200 200 404 403 403 401
GET    /api/v1/certificate-jobs/{id}/combined-pdf/  out  200 404 404 404 404 403 403 401
GET    /api/v1/stats/hours/                         -    200 200 200 200 200 403 403 401
GET    /api/v1/stats/hours/                         in   200 200 200 200 404 403 403 401
GET    /api/v1/stats/hours/                         out  200 404 404 404 404 403 403 401
GET    /api/v1/stats/summary/                       -    200 200 200 200 200 403 403 401
GET    /api/v1/stats/summary/                       in   200 200 200 200 404 403 403 401
GET    /api/v1/stats/summary/                       out  200 404 404 404 404 403 403 401
GET    /api/v1/reports/national-export/             in   200 403 403 403 403 403 403 401
GET    /api/v1/reports/annual/                      in   200 200 200 200 404 403 403 401
GET    /api/v1/reports/annual/                      out  200 404 404 404 404 403 403 401
GET    /api/v1/reports/dashboard/                   -    200 200 200 200 200 403 403 401
GET    /api/v1/reports/dashboard/                   in   200 200 200 200 404 403 403 401
GET    /api/v1/reports/dashboard/                   out  200 404 404 404 404 403 403 401
GET    /api/v1/reports/dashboard/{indicator}/       -    200 200 200 200 200 403 403 401
GET    /api/v1/reports/dashboard/{indicator}/       in   200 200 200 200 404 403 403 401
GET    /api/v1/reports/dashboard/{indicator}/       out  200 404 404 404 404 403 403 401
GET    /api/v1/reports/orders/                      -    200 200 200 200 200 403 403 401
GET    /api/v1/reports/orders/                      in   200 200 200 200 404 403 403 401
GET    /api/v1/reports/orders/                      out  200 404 404 404 404 403 403 401
POST   /api/v1/reports/ledgers/                     in   201 201 201 201 400 403 403 401
POST   /api/v1/reports/ledgers/                     out  201 400 400 400 400 403 403 401
GET    /api/v1/reports/ledgers/{id}/                in   200 200 200 200 404 404 404 401
GET    /api/v1/reports/ledgers/{id}/                out  200 404 404 404 404 404 404 401
GET    /api/v1/reports/ledgers/{id}/download/       in   200 200 200 200 404 404 404 401
GET    /api/v1/reports/ledgers/{id}/download/       out  200 404 404 404 404 404 404 401
GET    /api/v1/me/data/                             -    404 404 404 404 404 200 200 401
GET    /api/v1/me/data/pdf/                         -    404 404 404 404 404 200 200 401
POST   /api/v1/me/close-account/                    -    404 404 404 404 404 200 200 401
GET    /api/v1/me/data/photos/{kind}/{id}/          -    404 404 404 404 404 404 404 401
GET    /api/v1/trainings/                           -    200 200 200 200 200 200 200 401
POST   /api/v1/trainings/                           in   201 201 201 201 400 403 403 401
POST   /api/v1/trainings/                           out  201 400 400 400 400 403 403 401
GET    /api/v1/trainings/{id}/                      in   200 200 200 200 404 200 404 401
GET    /api/v1/trainings/{id}/                      out  200 404 404 404 404 404 404 401
GET    /api/v1/awards/                              -    200 200 200 200 200 200 200 401
POST   /api/v1/awards/                              in   201 201 201 201 400 403 403 401
POST   /api/v1/awards/                              out  201 400 400 400 400 403 403 401
GET    /api/v1/awards/{id}/                         in   200 200 200 200 404 200 404 401
GET    /api/v1/awards/{id}/                         out  200 404 404 404 404 404 404 401
GET    /api/v1/evaluations/                         -    200 200 200 200 200 200 200 401
POST   /api/v1/evaluations/                         in   201 201 201 201 400 403 403 401
POST   /api/v1/evaluations/                         out  201 400 400 400 400 403 403 401
GET    /api/v1/evaluations/{id}/                    in   200 200 200 200 404 200 404 401
GET    /api/v1/evaluations/{id}/                    out  200 404 404 404 404 404 404 401
GET    /api/v1/correction-requests/                 -    200 200 200 200 200 200 200 401
POST   /api/v1/correction-requests/                 in   403 403 403 403 403 201 400 401
POST   /api/v1/correction-requests/                 out  403 403 403 403 403 400 400 401
GET    /api/v1/correction-requests/{id}/            in   200 200 200 200 404 200 404 401
GET    /api/v1/correction-requests/{id}/            out  200 404 404 404 404 404 404 401
GET    /api/v1/correction-requests/{id}/photo/      in   200 200 200 200 404 200 404 401
GET    /api/v1/correction-requests/{id}/photo/      out  200 404 404 404 404 404 404 401
POST   /api/v1/correction-requests/{id}/approve/    in   200 200 200 200 404 403 403 401
POST   /api/v1/correction-requests/{id}/approve/    out  200 404 404 404 404 403 403 401
POST   /api/v1/correction-requests/{id}/decline/    in   200 200 200 200 404 403 403 401
POST   /api/v1/correction-requests/{id}/decline/    out  200 404 404 404 404 403 403 401
GET    /api/v1/record-deadlines/                    -    200 200 200 200 200 403 403 401
POST   /api/v1/residents/register/              -    201 201 201 201 201 201 201 201
GET    /api/v1/menu-categories/                     -    200 200 200 200 200 200 200 200
POST   /api/v1/menu-categories/                     in   201 201 400 400 400 403 403 401
POST   /api/v1/menu-categories/                     out  201 400 400 400 400 403 403 401
GET    /api/v1/menu-categories/{id}/                in   200 200 200 200 200 200 200 200
GET    /api/v1/menu-categories/{id}/                out  200 200 200 200 200 200 200 200
PUT    /api/v1/menu-categories/{id}/                in   200 200 404 404 404 403 403 401
PUT    /api/v1/menu-categories/{id}/                out  200 404 404 404 404 403 403 401
PATCH  /api/v1/menu-categories/{id}/                in   200 200 404 404 404 403 403 401
PATCH  /api/v1/menu-categories/{id}/                out  200 404 404 404 404 403 403 401
DELETE /api/v1/menu-categories/{id}/                in   204 204 404 404 404 403 403 401
DELETE /api/v1/menu-categories/{id}/                out  204 404 404 404 404 403 403 401
GET    /api/v1/menu-items/                          -    200 200 200 200 200 200 200 200
POST   /api/v1/menu-items/                          in   201 201 201 201 400 403 403 401
POST   /api/v1/menu-items/                          out  201 400 400 400 400 403 403 401
GET    /api/v1/menu-items/{id}/                     in   200 200 200 200 200 200 200 200
GET    /api/v1/menu-items/{id}/                     out  200 200 200 200 200 200 200 200
PUT    /api/v1/menu-items/{id}/                     in   200 200 200 200 404 403 403 401
PUT    /api/v1/menu-items/{id}/                     out  200 404 404 404 404 403 403 401
PATCH  /api/v1/menu-items/{id}/                     in   200 200 200 200 404 403 403 401
PATCH  /api/v1/menu-items/{id}/                     out  200 404 404 404 404 403 403 401
DELETE /api/v1/menu-items/{id}/                     in   204 204 204 204 404 403 403 401
DELETE /api/v1/menu-items/{id}/                     out  204 404 404 404 404 403 403 401
GET    /api/v1/orders/                              -    200 200 200 200 200 200 200 401
POST   /api/v1/orders/                              -    201 201 201 201 201 201 201 401
POST   /api/v1/orders/                              in   201 201 201 201 403 403 403 401
POST   /api/v1/orders/                              out  201 403 403 403 403 403 403 401
GET    /api/v1/orders/{id}/                         in   200 200 200 200 404 200 200 401
GET    /api/v1/orders/{id}/                         out  200 404 404 404 404 404 404 401
GET    /api/v1/orders/{id}/history/                 in   200 200 200 200 404 200 200 401
GET    /api/v1/orders/{id}/history/                 out  200 404 404 404 404 404 404 401
GET    /api/v1/orders/{id}/photo/                   in   200 404 404 200 404 200 200 401
GET    /api/v1/orders/{id}/photo/                   out  200 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/cancel/                  in   403 403 403 403 404 200 404 401
POST   /api/v1/orders/{id}/cancel/                  out  403 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/review/                  in   200 200 200 200 404 403 404 401
POST   /api/v1/orders/{id}/review/                  out  200 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/dispatch/                in   200 200 200 200 404 403 404 401
POST   /api/v1/orders/{id}/dispatch/                out  200 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/accept/                  in   403 403 403 403 404 403 200 401
POST   /api/v1/orders/{id}/accept/                  out  403 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/decline/                 in   403 403 403 403 404 403 200 401
POST   /api/v1/orders/{id}/decline/                 out  403 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/claim/                   in   400 400 400 400 404 400 200 401
POST   /api/v1/orders/{id}/claim/                   out  400 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/start/                   in   200 200 200 200 404 403 200 401
POST   /api/v1/orders/{id}/start/                   out  200 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/complete/                in   200 200 200 200 404 403 200 401
POST   /api/v1/orders/{id}/complete/                out  200 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/rate/                    in   403 403 403 403 404 201 403 401
POST   /api/v1/orders/{id}/rate/                    out  403 404 404 404 404 404 404 401
POST   /api/v1/orders/{id}/close/                   in   200 200 200 200 404 403 403 401
POST   /api/v1/orders/{id}/close/                   out  200 404 404 404 404 404 404 401
GET    /api/v1/orders/inbox/                        -    200 200 200 200 200 200 200 401
GET    /api/v1/orders/board/                        in   200 200 200 200 200 200 200 200
GET    /api/v1/orders/board/                        out  200 200 200 200 200 200 200 200
GET    /api/v1/orders/statistics/                   -    200 200 200 200 200 403 403 401
GET    /api/v1/orders/statistics/                   in   200 200 200 200 404 403 403 401
GET    /api/v1/orders/statistics/                   out  200 404 404 404 404 403 403 401
GET    /api/v1/order-ratings/                       -    200 200 200 200 200 200 200 401
GET    /api/v1/order-ratings/{id}/                  in   200 200 200 200 404 200 200 401
GET    /api/v1/order-ratings/{id}/                  out  200 404 404 404 404 404 404 401
GET    /api/v1/events/{id}/activity-record/         in   200 200 200 200 404 403 403 401
GET    /api/v1/events/{id}/activity-record/         out  200 404 404 404 404 403 403 401
PUT    /api/v1/events/{id}/activity-record/         in   200 200 200 200 404 403 403 401
PUT    /api/v1/events/{id}/activity-record/         out  200 404 404 404 404 403 403 401
POST   /api/v1/events/{id}/activity-record/photos/  in   201 201 201 201 404 403 403 401
POST   /api/v1/events/{id}/activity-record/photos/  out  201 404 404 404 404 403 403 401
DELETE /api/v1/activity-photos/{id}/                in   204 204 204 204 404 403 403 401
DELETE /api/v1/activity-photos/{id}/                out  204 404 404 404 404 403 403 401
GET    /api/v1/activity-photos/{id}/image/          in   200 200 200 200 404 403 403 401
GET    /api/v1/activity-photos/{id}/image/          out  200 404 404 404 404 403 403 401
GET    /api/v1/activity-photos/{id}/thumbnail/      in   200 200 200 200 404 403 403 401
GET    /api/v1/activity-photos/{id}/thumbnail/      out  200 404 404 404 404 403 403 401
""" + "\n".join(
    rows.strip()
    for rows in (
        POINTS_ROWS,
        matrix_b.ROWS,
        matrix_d.ROWS,
        matrix_e.ROWS,
        matrix_f.ROWS,
        venues_matrix.ROWS,
        projects_matrix.ROWS,
        calendar_matrix.ROWS,
        assessment_matrix.ROWS,
        project_list_matrix.ROWS,
        cards_matrix.ROWS,
        scanner_matrix.ROWS,
    )
)

CASES = []
for line in TABLE.strip().splitlines():
    method, path, target, *statuses = line.split()
    for persona, status in zip(PERSONAS, statuses, strict=True):
        CASES.append(pytest.param(method, path, target, persona, int(status), id=f"{method} {path} {target} {persona}"))


def test_every_api_operation_is_in_the_table(tmp_path, db):
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    schema = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    tabled = {(line.split()[0], line.split()[1]) for line in TABLE.strip().splitlines()}
    assert operations - tabled == set(), "operations missing from the permission table"
    assert tabled - operations == set(), "table rows for operations that no longer exist"


@pytest.fixture
def world(django_user_model, tree, admin_user):
    now = timezone.now()
    people = {
        "admin": admin_user,
        "center": make_manager(django_user_model, tree["C"], "中心"),
        "institute": make_manager(django_user_model, tree["I1"], "所"),
        "station": make_manager(django_user_model, tree["S1"], "站"),
        "other_manager": make_manager(django_user_model, tree["S2"], "邻站"),
        "anonymous": None,
    }
    volunteer = make_volunteer(tree["S1"], "李四")
    other_volunteer = make_volunteer(tree["S2"], "王五")
    far_volunteer = make_volunteer(tree["S4"], "赵六")
    people["volunteer"], people["other_volunteer"] = volunteer.user, other_volunteer.user
    window = {"starts_at": now - datetime.timedelta(hours=1), "ends_at": now + datetime.timedelta(hours=1)}
    events = {"in": make_event(tree["S1"], **window), "out": make_event(tree["S4"], **window)}
    sign_up(events["in"], volunteer, at=now)
    records = {}
    for target, person in (("in", volunteer), ("out", far_volunteer)):
        record_scan(person, events[target], "in", method=Method.EVENT_QR, at=now - datetime.timedelta(minutes=30))
        records[target], _ = record_scan(person, events[target], "out", method=Method.EVENT_QR, at=now)
    teams = {
        "in": Team.objects.create(name="东门队", unit=tree["S1"]),
        "out": Team.objects.create(name="远队", unit=tree["S4"]),
    }
    teams["in"].members.add(volunteer)
    Skill.objects.create(name="摄影")  # volunteers choose skills from the list
    refusals = {
        target: RefusedScan.objects.create(event=events[target], code="token_expired", at=now) for target in events
    }
    appointees = {
        "in": make_manager(django_user_model, tree["S1"], "副站"),
        "out": make_manager(django_user_model, tree["S4"], "远站"),
    }
    return {
        "tree": tree,
        "people": people,
        "volunteers": {"in": volunteer, "out": far_volunteer},
        "events": events,
        "records": records,
        "teams": teams,
        "refusals": refusals,
        "appointees": appointees,
        "now": now,
    }


@pytest.fixture(autouse=True)
def certificate_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def certificate_world(world: dict, path: str) -> None:
    """Approved hours at three past events per side, and what ``path`` needs of a
    certificate, a request and a finished bulk job. Built only for the certificate
    rows: rendering PDFs is the slow part.
    """
    from certificates import services as certificates

    tree, now, admin = world["tree"], world["now"], world["people"]["admin"]
    units = {"in": tree["S1"], "out": tree["S4"]}
    past = {"starts_at": now - datetime.timedelta(days=2, hours=2), "ends_at": now - datetime.timedelta(days=2)}
    world["cert_events"], world["certificates"], world["requests"], world["jobs"] = {}, {}, {}, {}
    for target, unit in units.items():
        person = world["volunteers"][target]
        # Three hours apart: a volunteer's records never overlap.
        events = [
            make_event(unit, title=f"证明活动{n}", **{k: v + datetime.timedelta(hours=3 * n) for k, v in past.items()})
            for n in range(3)
        ]
        for event in events:
            record_scan(person, event, "in", method=Method.EVENT_QR, at=event.starts_at)
            record, _ = record_scan(person, event, "out", method=Method.EVENT_QR, at=event.ends_at)
            approve_record(record, by=admin)
        world["cert_events"][target] = events
        if path.startswith("/api/v1/certificates/{id}/") or path == "/api/v1/certificates/verify/":
            world["certificates"][target] = certificates.issue_certificate(
                person, unit, certificates.Coverage(event=events[0]), by=admin
            )
        if path.startswith("/api/v1/certificate-requests/{id}/"):
            world["requests"][target] = certificates.request_certificate(
                person, unit, certificates.Coverage(event=events[1])
            )
        if path.startswith("/api/v1/certificate-jobs/{id}/"):
            job, _ = certificates.start_bulk_job(unit, (now - datetime.timedelta(days=3)).date(), now.date(), by=admin)
            # The queue starts jobs after the commit, which a test transaction never reaches.
            world["jobs"][target] = certificates.run_bulk_job(job.pk)


def ledger_world(world: dict) -> None:
    """A finished ledger (this month's XLSX, asked for by the admin) of each side's station, made once per world."""
    from reports.ledgers.contents import Period
    from reports.ledgers.jobs import start_ledger_job

    if "ledgers" not in world:
        month = Period("month", timezone.localdate().year, timezone.localdate().month)
        admin = world["people"]["admin"]
        world["ledgers"] = {
            target: start_ledger_job(unit, month, "xlsx", by=admin)[0]
            for target, unit in (("in", world["tree"]["S1"]), ("out", world["tree"]["S4"]))
        }


def records_law_world(world: dict, method: str, path: str) -> None:
    """A training, an award, an evaluation and a correction request (with a photo) per side,
    and an approved record to evaluate, for the rows of 志愿服务记录与证明出具办法 art. 8-13.
    Made once per world: the extreme-values walk asks for every operation in one world."""
    from django.core.files.base import ContentFile

    from events.models import Evaluation, RecordStatus
    from events.services import ask_correction, record_training
    from volunteers.models import Award

    tree, now, admin = world["tree"], world["now"], world["people"]["admin"]
    units = {"in": tree["S1"], "out": tree["S4"]}
    first = "trainings" not in world
    if first:
        world["trainings"], world["awards"], world["evaluations"], world["corrections"] = {}, {}, {}, {}
    photo = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(photo, format="JPEG")
    for target, unit in units.items():
        person, record = world["volunteers"][target], world["records"][target]
        if first:
            world["trainings"][target] = record_training(
                unit=unit,
                name="培训",
                content="内容",
                hours=2,
                organiser="中心",
                held_on=now.date(),
                by=admin,
                volunteers=[person],
            )
            world["awards"][target] = Award.objects.create(
                volunteer=person, name="优秀志愿者", awarded_on=now.date(), awarding_body="文明办", level="county"
            )
        record.refresh_from_db()
        if path == "/api/v1/evaluations/" and method == "POST" and record.status == RecordStatus.PENDING:
            approve_record(record, by=admin)
        if path.startswith("/api/v1/evaluations/{id}/") and target not in world["evaluations"]:
            # Of a period, so that the record stays free for the POST row.
            world["evaluations"][target] = Evaluation.objects.create(
                volunteer=person,
                unit=unit,
                period_start=now.date(),
                period_end=now.date(),
                evaluated_on=now.date(),
                comment="好",
            )
        if path.startswith("/api/v1/correction-requests/{id}/") and target not in world["corrections"]:
            world["corrections"][target] = ask_correction(
                person,
                record=record,
                checked_in_at=now - datetime.timedelta(minutes=40),
                reason="早到十分钟",
                photo=ContentFile(photo.getvalue()),
            )


def activity_world(world: dict) -> None:
    """A photo in the activity record of each side's event (running since an hour), made once per world."""
    from events.activity import add_activity_photo

    if "activity_photos" not in world:
        world["activity_photos"] = {
            target: add_activity_photo(event, matrix_photo(), by=world["people"]["admin"])
            for target, event in world["events"].items()
        }


def matrix_photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(photo, format="JPEG")
    return SimpleUploadedFile("photo.jpg", photo.getvalue(), content_type="image/jpeg")


def request_for(method: str, path: str, target: str, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL and a valid body for the operation, so that success is possible."""
    if path.startswith(scanner_matrix.PATHS):
        return scanner_matrix.offline_b_request(method, path, target, persona, world)
    if path.startswith(cards_matrix.PATHS):
        return cards_matrix.cards_a_request(method, path, target, persona, world)
    if path.startswith(venues_matrix.PATHS):
        return venues_matrix.venues_a_request(method, path, target, persona, world)
    if path.startswith(projects_matrix.PATHS):
        return projects_matrix.projects_b_request(method, path, target, persona, world)
    if path.startswith(calendar_matrix.PATHS):
        return calendar_matrix.themes_request(method, path, target, persona, world)
    if path.startswith(assessment_matrix.PATHS):
        return assessment_matrix.assessment_d_request(method, path, target, persona, world)
    if path.startswith(project_list_matrix.PATHS):
        return project_list_matrix.projects_request(method, path, target, persona, world)
    if path.startswith(("/api/v1/orders/", "/api/v1/order-ratings/", "/api/v1/menu-", "/api/v1/residents/")):
        from tests.orders.matrix import order_request

        return order_request(method, path, target, persona, world)
    if path.startswith(POINTS_PATHS):
        return points_request(method, path, target, persona, world)
    if path.startswith(matrix_b.PATHS):
        return matrix_b.notifications_b_request(method, path, target, persona, world)
    if path.startswith(matrix_d.PATHS):
        return matrix_d.series_request(method, path, target, persona, world)
    if path.startswith(matrix_e.PATHS):
        return matrix_e.attendance_request(method, path, target, persona, world)
    if path.startswith(matrix_f.PATHS):
        return matrix_f.calendar_request(method, path, target, persona, world)
    if "certificate" in path:
        certificate_world(world, path)
    if any(part in path for part in ("/trainings/", "/awards/", "/evaluations/", "/correction-requests/")):
        records_law_world(world, method, path)
    if path.startswith("/api/v1/reports/ledgers/{id}/"):
        ledger_world(world)
    if path.startswith("/api/v1/activity-photos/"):
        activity_world(world)
    tree, now = world["tree"], world["now"]
    unit = {"in": tree["S1"], "out": tree["S4"]}.get(target)
    parent = {"in": tree["I1"], "out": tree["I3"]}.get(target)
    objects = {
        "/units/": unit,
        "/volunteers/": world["volunteers"].get(target),
        "/teams/": world["teams"].get(target),
        "/events/": world["events"].get(target),
        "/records/": world["records"].get(target),
        "/refused-scans/": world["refusals"].get(target),
        "/certificates/": world.get("certificates", {}).get(target),
        "/certificate-requests/": world.get("requests", {}).get(target),
        "/certificate-jobs/": world.get("jobs", {}).get(target),
        "/trainings/": world.get("trainings", {}).get(target),
        "/awards/": world.get("awards", {}).get(target),
        "/evaluations/": world.get("evaluations", {}).get(target),
        "/correction-requests/": world.get("corrections", {}).get(target),
        "/reports/ledgers/": world.get("ledgers", {}).get(target),
        "/activity-photos/": world.get("activity_photos", {}).get(target),
    }
    url = path
    if path == "/api/v1/me/data/photos/{kind}/{id}/":
        # Nobody's photo: a volunteer or resident gets only their own, others no such page.
        return url.replace("{kind}", "order").replace("{id}", "999999"), None
    if "{id}" in path:
        resource = next(prefix for prefix in objects if path.startswith(f"/api/v1{prefix}"))
        obj = objects[resource]
        if method == "DELETE" and path == "/api/v1/units/{id}/":
            obj = make_unit(f"EMPTY-{target}", Level.STATION, parent)
        if path in ("/api/v1/events/{id}/", "/api/v1/events/{id}/publish/") and method in ("DELETE", "POST"):
            obj = make_event(unit, status="draft")
        url = url.replace("{id}", str(obj.pk))
    if path == "/api/v1/certificates/verify/":
        certificate = world["certificates"][target]
        url = f"{url}?number={certificate.number}&code={certificate.verification_code}"
    if path.startswith(("/api/v1/stats/", "/api/v1/reports/")) and unit is not None:
        url = f"{url}?unit={unit.pk}"
    if path == "/api/v1/me/close-account/":
        return url, {"password": "correct-horse-42", "confirm": True}
    url = url.replace("{indicator}", "active-stations")
    if "{user_id}" in url:
        url = url.replace("{user_id}", str(world["appointees"][target].pk))
    station_fields = {"level": "station", "parent": parent.pk if parent else None, "name": "新站", "code": "NEW"}
    event_fields = {
        "unit": unit.pk if unit else None,
        "title": "新活动",
        "category": "other",
        "address": "广场",
        "starts_at": (now + datetime.timedelta(days=1)).isoformat(),
        "ends_at": (now + datetime.timedelta(days=1, hours=2)).isoformat(),
    }
    volunteer_at = world["volunteers"].get(target)
    bodies = {
        ("POST", "/api/v1/auth/token/"): {"phone": world["people"]["volunteer"].phone, "password": "correct-horse-42"},
        ("POST", "/api/v1/units/"): station_fields,
        ("PUT", "/api/v1/units/{id}/"): {**station_fields, "code": unit.code if unit else "", "name": "改名"},
        ("PATCH", "/api/v1/units/{id}/"): {"name": "改名"},
        # Someone registered in the unit's subtree: only they may be appointed (admins excepted).
        ("POST", "/api/v1/units/{id}/managers/"): {"phone": volunteer_at.phone if volunteer_at else ""},
        ("POST", "/api/v1/volunteers/register/"): {
            "real_name": "新人",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "password": "a-long-secret-77",
            "home_station": tree["S1"].pk,
            "consent": True,
        },
        ("PUT", "/api/v1/volunteers/{id}/"): {"home_station": unit.pk if unit else None, "status": "active"},
        ("PATCH", "/api/v1/volunteers/{id}/"): {"status": "suspended"},
        ("PATCH", "/api/v1/me/"): {"skills": ["摄影"]},
        ("POST", "/api/v1/skills/"): {"name": f"新技能{persona}"},
        ("POST", "/api/v1/teams/"): {"name": "新队", "unit": unit.pk if unit else None},
        ("PUT", "/api/v1/teams/{id}/"): {"name": "改名队", "unit": unit.pk if unit else None},
        ("PATCH", "/api/v1/teams/{id}/"): {"name": "改名队"},
        ("POST", "/api/v1/events/"): event_fields,
        ("PUT", "/api/v1/events/{id}/"): event_fields,
        ("PATCH", "/api/v1/events/{id}/"): {"title": "改名"},
        ("POST", "/api/v1/events/{id}/scan/"): {
            "volunteer_token": make_volunteer_code(volunteer_at.pk, now) if volunteer_at else "",
            "action": "in",
        },
        ("POST", "/api/v1/checkins/"): {"token": make_event_code(world["events"][target].pk, "in", now)}
        if target
        else None,
        ("POST", "/api/v1/records/"): {
            "event": world["events"][target].pk if target else None,
            "volunteer": volunteer_at.pk if volunteer_at else None,
            "checked_in_at": (now - datetime.timedelta(hours=2)).isoformat(),
            "checked_out_at": now.isoformat(),
            "reason": "补录",
        },
        ("PATCH", "/api/v1/records/{id}/"): {"checked_out_at": now.isoformat(), "reason": "更正"},
        ("POST", "/api/v1/records/{id}/reject/"): {"reason": "不实"},
        ("POST", "/api/v1/records/bulk-approve/"): {"ids": [world["records"]["in"].pk]},
        ("POST", "/api/v1/certificates/{id}/revoke/"): {"reason": "信息有误"},
        ("POST", "/api/v1/certificates/{id}/reissue/"): {"reason": "记录已变更"},
        ("POST", "/api/v1/certificate-requests/{id}/decline/"): {"reason": "不属本单位"},
        ("POST", "/api/v1/certificate-requests/{id}/accept/"): {},
        ("POST", "/api/v1/trainings/"): {
            "unit": unit.pk if unit else None,
            "name": "急救培训",
            "content": "心肺复苏",
            "hours": "2.00",
            "organiser": "红十字会",
            "held_on": now.date().isoformat(),
            "volunteers": [volunteer_at.pk] if volunteer_at else [],
        },
        ("POST", "/api/v1/awards/"): {
            "volunteer": volunteer_at.pk if volunteer_at else None,
            "name": "优秀志愿者",
            "awarded_on": now.date().isoformat(),
            "awarding_body": "区文明办",
            "level": "county",
        },
        ("POST", "/api/v1/evaluations/"): {
            "record": world["records"][target].pk if target else None,
            "grade": 5,
            "comment": "认真负责",
        },
        ("POST", "/api/v1/correction-requests/"): {
            "record": world["records"][target].pk if target else None,
            "checked_in_at": (now - datetime.timedelta(minutes=40)).isoformat(),
            "reason": "早到十分钟",
        },
        ("POST", "/api/v1/correction-requests/{id}/decline/"): {"reason": "签到表无记录"},
        ("POST", "/api/v1/reports/ledgers/"): {
            "unit": unit.pk if unit else None,
            "period": "month",
            "year": timezone.localdate().year,
            "month": timezone.localdate().month,
            "format": "xlsx",
        },
        ("PUT", "/api/v1/events/{id}/activity-record/"): {"summary": "清理广场垃圾", "people_served": 20},
    }
    if path == "/api/v1/certificates/" and method == "POST":
        bodies[(method, path)] = {
            "volunteer": volunteer_at.pk,
            "unit": unit.pk,
            "event": world["cert_events"][target][2].pk,
        }
    if path == "/api/v1/certificate-requests/" and method == "POST":
        bodies[(method, path)] = {"event": world["cert_events"][target][2].pk}
    if path == "/api/v1/certificate-jobs/" and method == "POST":
        bodies[(method, path)] = {
            "unit": unit.pk,
            "period_start": (now - datetime.timedelta(days=10)).date().isoformat(),
            "period_end": now.date().isoformat(),
        }
    if (method, path) == ("POST", "/api/v1/events/{id}/scan/") and target:
        # Another volunteer than the one already checked in, so the scan creates a record.
        fresh = make_volunteer(unit, "新到")
        bodies[(method, path)]["volunteer_token"] = make_volunteer_code(fresh.pk, now)
    if (method, path) == ("POST", "/api/v1/records/") and target:
        fresh = make_volunteer(unit, "补录人")
        bodies[(method, path)]["volunteer"] = fresh.pk
    return url, bodies.get((method, path))


@pytest.mark.parametrize(("method", "path", "target", "persona", "expected"), CASES)
def test_permission_matrix(world, method, path, target, persona, expected):
    target = None if target == "-" else target
    url, body = request_for(method, path, target, persona, world)
    client = client_for(world["people"][persona])
    # A scanner call names its registered phone as well as the user.
    client.credentials(**scanner_matrix.offline_b_headers(method, path, target, persona, world))
    if path == "/api/v1/events/{id}/activity-record/photos/":
        # A file goes as multipart; request_for's bodies stay JSON for the extreme-values walk.
        response = client.post(url, {"photos": [matrix_photo()]}, format="multipart")
    else:
        response = getattr(client, method.lower())(url, body, format="json")
    assert response.status_code == expected, f"{persona} {method} {url}: {response.content.decode()[:300]}"
