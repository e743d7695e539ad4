;;; check-warning.el --- batch test driver for editors/emacs  -*- lexical-binding: t; -*-

;; emacs --batch -Q -l check-warning.el FILE
;; Opens FILE in entitlements-mode, starts Eglot with ent-ls, waits for the
;; Flymake diagnostic, applies the allow-jit quick fix and writes a JSON
;; report to $ENT_LS_RESULT.

(load (expand-file-name "activate-eglot.el" (file-name-directory load-file-name)) nil t)
(require 'json)

(defvar ent-ls-test-wait (string-to-number (or (getenv "ENT_LS_WAIT_SECONDS") "60")))
(defvar ent-ls-test-result (list))
(defvar ent-ls-test-fix-title "Switch to com.apple.security.cs.allow-jit")

(defun ent-ls-test-put (key value)
  (setq ent-ls-test-result (cons (cons key value) ent-ls-test-result)))

(defun ent-ls-test-wait-for (what predicate)
  "Wait (bounded) until PREDICATE returns non-nil; signal an error naming WHAT."
  (let ((deadline (+ (float-time) ent-ls-test-wait))
        value)
    (while (and (not (setq value (funcall predicate)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or value (error "Timed out after %ss waiting for %s" ent-ls-test-wait what))))

(defun ent-ls-test-lsp-code (diag)
  "The LSP `code' of Flymake diagnostic DIAG (Eglot keeps the LSP object)."
  (let* ((data (ignore-errors (flymake-diagnostic-data diag)))
         (lsp (and (listp data) (cdr (assoc 'eglot-lsp-diag data)))))
    (and lsp (plist-get lsp :code))))

(defun ent-ls-test-warning ()
  "The Flymake warning for unsigned-executable-memory, if any.
Matched by its LSP code where this Eglot keeps it, else by the text it covers."
  (seq-find (lambda (d)
              (and (eq (flymake-diagnostic-type d) 'eglot-warning)
                   (let ((code (ent-ls-test-lsp-code d)))
                     (if code
                         (equal code "unsigned-executable-memory")
                       (equal (buffer-substring-no-properties (flymake-diagnostic-beg d)
                                                              (flymake-diagnostic-end d))
                              "com.apple.security.cs.allow-unsigned-executable-memory")))))
            (flymake-diagnostics)))

(defun ent-ls-test-run (file)
  (add-to-list 'load-path (getenv "ENT_LS_EMACS_DIR"))
  (require 'entitlements-mode)
  (require 'eglot)
  (ent-ls-test-put 'eglot_version (or (ignore-errors (package-desc-version (cadr (assq 'eglot package-alist))))
                                      "builtin"))
  (ent-ls-test-put 'emacs_version emacs-version)
  (ent-ls-test-put 'shipped_contact (cdr (assq 'entitlements-mode eglot-server-programs)))
  ;; Test override of the server command (the shipped entry stays behind it).
  (let ((cmd (getenv "ENT_LS_TEST_SERVER_CMD")))
    (when (and cmd (not (string-empty-p cmd)))
      (push (cons 'entitlements-mode (append (json-read-from-string cmd) nil)) eglot-server-programs)))
  (setq-default eglot-workspace-configuration '(:entitlements (:platform "macos")))
  ;; Connect synchronously: a server that never answers `initialize' fails after one bounded wait.
  (setq eglot-connect-timeout ent-ls-test-wait
        eglot-sync-connect t
        eglot-autoshutdown t)
  (find-file file)
  (ent-ls-test-put 'major_mode (symbol-name major-mode))
  (unless (eq major-mode 'entitlements-mode)
    (error "Expected entitlements-mode, got %s" major-mode))
  ;; What `eglot-ensure' does once the command loop runs (it never runs in batch).
  (apply #'eglot (eglot--guess-contact))
  (ent-ls-test-wait-for "Eglot to manage the buffer" (lambda () (bound-and-true-p eglot--managed-mode)))
  ;; Eglot internals differ between versions: record the language id where this one exposes it.
  (ent-ls-test-put 'language_id (ignore-errors (eglot--language-id (eglot-current-server))))
  (flymake-start nil t)
  (let* ((diag (ent-ls-test-wait-for
                "the unsigned-executable-memory diagnostic"
                (lambda ()
                  (unless (ent-ls-test-warning) (flymake-start nil t))
                  (ent-ls-test-warning))))
         (beg (flymake-diagnostic-beg diag))
         (end (flymake-diagnostic-end diag)))
    (ent-ls-test-put 'diagnostic
                     `((type . ,(symbol-name (flymake-diagnostic-type diag)))
                       (text . ,(flymake-diagnostic-text diag))
                       (code . ,(ent-ls-test-lsp-code diag))
                       (covered . ,(buffer-substring-no-properties beg end))))
    ;; The quick fix, through Eglot's own code-action request and apply path.
    (let* ((server (eglot--current-server-or-lose))
           (actions (eglot-code-actions beg end "quickfix"))
           (titles (mapcar (lambda (a) (plist-get a :title)) actions))
           (fix (seq-find (lambda (a) (equal (plist-get a :title) ent-ls-test-fix-title)) actions)))
      (ent-ls-test-put 'offered (vconcat titles))
      (unless fix (error "No %S action among %S" ent-ls-test-fix-title titles))
      (if (fboundp 'eglot-execute)
          (eglot-execute server fix)
        (eglot--read-execute-code-action (list fix) server "quickfix"))
      (ent-ls-test-put 'text (buffer-substring-no-properties (point-min) (point-max)))
      (ent-ls-test-put 'cleared
                       (condition-case nil
                           (ent-ls-test-wait-for
                            "the warning to go away"
                            (lambda ()
                              (eglot--signal-textDocument/didChange)
                              (flymake-start nil t)
                              (null (ent-ls-test-warning))))
                         (error :json-false))))))

(let ((file (car command-line-args-left))
      (out (getenv "ENT_LS_RESULT")))
  (setq command-line-args-left nil)
  (condition-case err
      (progn (ent-ls-test-run file)
             (ent-ls-test-put 'ok t))
    (error
     (ent-ls-test-put 'ok :json-false)
     (ent-ls-test-put 'error (error-message-string err))
     (ent-ls-test-put 'events
                      (let ((buf (seq-find (lambda (b) (string-match-p "EGLOT.*events" (buffer-name b)))
                                           (buffer-list))))
                        (and buf (with-current-buffer buf
                                   (buffer-substring-no-properties
                                    (max (point-min) (- (point-max) 6000)) (point-max))))))
     (ent-ls-test-put 'stderr
                      (let ((buf (seq-find (lambda (b) (string-match-p "stderr" (buffer-name b)))
                                           (buffer-list))))
                        (and buf (with-current-buffer buf (buffer-string)))))))
  (with-temp-file out
    (insert (json-encode ent-ls-test-result)))
  (ignore-errors (eglot-shutdown-all))
  (kill-emacs 0))
