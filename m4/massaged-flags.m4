# MD_CHECK_CFLAG(FLAG, ACTION-IF-OK, ACTION-IF-NOT)
# Compiles (and links) an empty program with FLAG and -Werror, so a flag the
# compiler only warns about is treated as unsupported.
AC_DEFUN([MD_CHECK_CFLAG], [
	AS_VAR_PUSHDEF([md_cache], [md_cv_cflag_$1])
	AC_CACHE_CHECK([whether $CC accepts $1], [md_cache], [
		md_save_CFLAGS="$CFLAGS"
		CFLAGS="$CFLAGS $1 -Werror"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
			[AS_VAR_SET([md_cache], [yes])], [AS_VAR_SET([md_cache], [no])])
		CFLAGS="$md_save_CFLAGS"])
	AS_VAR_IF([md_cache], [yes], [$2], [$3])
	AS_VAR_POPDEF([md_cache])
])

# MD_CHECK_LDFLAG(FLAG, ACTION-IF-OK, ACTION-IF-NOT)
AC_DEFUN([MD_CHECK_LDFLAG], [
	AS_VAR_PUSHDEF([md_cache], [md_cv_ldflag_$1])
	AC_CACHE_CHECK([whether the linker accepts $1], [md_cache], [
		md_save_LDFLAGS="$LDFLAGS"
		LDFLAGS="$LDFLAGS $1 -Werror"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
			[AS_VAR_SET([md_cache], [yes])], [AS_VAR_SET([md_cache], [no])])
		LDFLAGS="$md_save_LDFLAGS"])
	AS_VAR_IF([md_cache], [yes], [$2], [$3])
	AS_VAR_POPDEF([md_cache])
])
