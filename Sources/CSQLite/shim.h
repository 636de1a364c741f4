#ifndef EVENTBRIDGE_CSQLITE_SHIM_H
#define EVENTBRIDGE_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
