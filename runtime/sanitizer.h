// FASTJSON_ASAN: 1 in AddressSanitizer builds. Code that reads past an object's end within its page
// (safe, and fast) takes the exact-bounds path there, so ASan's findings stay meaningful.
#pragma once

// gcc defines __SANITIZE_ADDRESS__; clang before 20 only answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define FASTJSON_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FASTJSON_ASAN 1
#endif
#endif
#ifndef FASTJSON_ASAN
#define FASTJSON_ASAN 0
#endif
