/* CPU per page of bare libxml2 HTML SAX (the scanner's limit) over saved pages:
   bare-sax-cli REPEAT FILE...  prints the mean CPU microseconds per page. */
#include "bare_sax.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: bare-sax-cli REPEAT FILE...\n"); return 2; }
    int repeat = atoi(argv[1]), pages = argc - 2;
    unsigned char **data = calloc(pages, sizeof *data);
    size_t *length = calloc(pages, sizeof *length);
    for (int i = 0; i < pages; i++) {
        FILE *f = fopen(argv[i + 2], "rb");
        if (!f) { perror(argv[i + 2]); return 2; }
        fseek(f, 0, SEEK_END); length[i] = ftell(f); rewind(f);
        data[i] = malloc(length[i]);
        if (fread(data[i], 1, length[i], f) != length[i]) return 2;
        fclose(f);
    }
    long elements = 0;
    double start = cpu_seconds();
    for (int r = 0; r < repeat; r++)
        for (int i = 0; i < pages; i++) elements += bare_sax_parse(data[i], length[i], 16384, "UTF-8");
    double spent = cpu_seconds() - start;
    printf("%.1f\n", spent * 1e6 / ((double)repeat * pages));
    return elements < 0;
}
