;;; entitlements-mode.el --- Major mode for Apple .entitlements files  -*- lexical-binding: t; -*-

;; Copyright (c) 2026 The ent-ls developers
;; SPDX-License-Identifier: MIT

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages, xml, tools
;; URL: see editors/emacs/README.md in the ent-ls repository

;;; Commentary:

;; `entitlements-mode' edits Apple code-signing entitlements (XML property
;; lists) with nXML and registers the ent-ls language server with Eglot:
;;
;;   (require 'entitlements-mode)
;;   (add-hook 'entitlements-mode-hook #'eglot-ensure)
;;
;; The server is `ent-ls serve' (install: see README.md).  Settings go in
;; `eglot-workspace-configuration' under the :entitlements section, e.g. in
;; .dir-locals.el:
;;
;;   ((entitlements-mode
;;     . ((eglot-workspace-configuration
;;         . (:entitlements (:platform "macos" :ignore ["some-rule"]))))))

;;; Code:

(require 'nxml-mode)

(defgroup entitlements nil
  "Editing Apple .entitlements files."
  :group 'languages
  :prefix "entitlements-")

;;;###autoload
(define-derived-mode entitlements-mode nxml-mode "Entitlements"
  "Major mode for Apple .entitlements property lists.
Derived from `nxml-mode'; the ent-ls language server (through Eglot)
adds diagnostics and quick fixes."
  :group 'entitlements
  (setq-local comment-start "<!-- ")
  (setq-local comment-end " -->"))

;; Language id sent to the server: "entitlements" (Eglot derives it from the
;; mode name; stated here for clients that read the property).
(put 'entitlements-mode 'eglot-language-id "entitlements")

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.entitlements\\'" . entitlements-mode))
;; Entitlements.plist, entitlements-debug.plist, ... (`auto-mode-case-fold'
;; also catches other spellings of the case).
;;;###autoload
(add-to-list 'auto-mode-alist '("\\(?:\\`\\|/\\)[Ee]ntitlements[^/]*\\.plist\\'" . entitlements-mode))

;;;###autoload
(with-eval-after-load 'eglot
  (defvar eglot-server-programs)
  (add-to-list 'eglot-server-programs '(entitlements-mode . ("ent-ls" "serve"))))

(provide 'entitlements-mode)
;;; entitlements-mode.el ends here
