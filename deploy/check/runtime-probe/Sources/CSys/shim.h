#include <curl/curl.h>
#include <sqlite3.h>
