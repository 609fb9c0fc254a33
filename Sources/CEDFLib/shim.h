// EDFlib (Debian libedf-dev): EDF, EDF+, BDF, BDF+ reading and writing.
#include <edflib.h>
