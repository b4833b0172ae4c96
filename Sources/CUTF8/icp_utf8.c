#include "icp_utf8.h"
#include <string.h>

size_t icp_utf8_valid_prefix(const uint8_t *p, size_t n, int *incomplete, size_t *invalid) {
    size_t i = 0;
    *incomplete = 0;
    *invalid = 0;
    while (i < n) {
        /* Eight ASCII bytes at a time, none of them NUL. */
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (((w & 0x8080808080808080ULL) == 0) && (((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) == 0)) {
                i += 8;
                continue;
            }
        }
        uint8_t b = p[i];
        /* Most CJK text: a lead byte E1-EC or EE-EF (no range exceptions) and two continuation bytes. */
        if (b >= 0xE1 && b <= 0xEF && b != 0xED && i + 2 < n && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
            i += 3;
            continue;
        }
        if (b < 0x80) {
            if (b == 0) return i;
            i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) need = 1;
        else if (b >= 0xE0 && b <= 0xEF) { need = 2; if (b == 0xE0) lo = 0xA0; if (b == 0xED) hi = 0x9F; }
        else if (b >= 0xF0 && b <= 0xF4) { need = 3; if (b == 0xF0) lo = 0x90; if (b == 0xF4) hi = 0x8F; }
        else { *invalid = 1; return i; }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n) { *incomplete = 1; return i; }
            uint8_t c = p[i + k];
            if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) { *invalid = k; return i; }
        }
        i += need + 1;
    }
    return n;
}

size_t icp_nul_run(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n && p[i] == 0) i++;
    return i;
}
