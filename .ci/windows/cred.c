/* Writes and deletes Windows Credential Manager entries the way Git Credential Manager and
 * git-credential-wincred do (a generic credential: target name, user name, the secret as
 * UTF-16 text), so the Wine checks can plant them: the real Credential Manager API, as Wine
 * implements it.
 *   cred write TARGET USER SECRET     (SECRET may hold "\n"-separated lines, given as "\n")
 *   cred delete TARGET
 * Build: x86_64-w64-mingw32-gcc -O2 -municode -o cred.exe cred.c -ladvapi32 */
#include <windows.h>
#include <wincred.h>
#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv)
{
	if (argc == 5 && !wcscmp(argv[1], L"write")) {
		wchar_t *secret = argv[4], *r = secret, *w = secret;
		for (; *r; r++, w++) {
			if (r[0] == L'\\' && r[1] == L'n') {
				*w = L'\n';
				r++;
			} else {
				*w = *r;
			}
		}
		*w = 0;
		CREDENTIALW cred = {0};
		cred.Type = CRED_TYPE_GENERIC;
		cred.TargetName = argv[2];
		cred.UserName = argv[3];
		cred.CredentialBlob = (LPBYTE)secret;
		cred.CredentialBlobSize = (DWORD)(wcslen(secret) * sizeof(wchar_t));
		cred.Persist = CRED_PERSIST_LOCAL_MACHINE;
		if (!CredWriteW(&cred, 0)) {
			fprintf(stderr, "CredWrite failed: %lu\n", GetLastError());
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !wcscmp(argv[1], L"delete")) {
		if (!CredDeleteW(argv[2], CRED_TYPE_GENERIC, 0)) {
			fprintf(stderr, "CredDelete failed: %lu\n", GetLastError());
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: cred write TARGET USER SECRET | cred delete TARGET\n");
	return 2;
}
