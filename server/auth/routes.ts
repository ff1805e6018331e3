import { Router } from "express";
import { parseOrThrow } from "../../shared/errors.js";
import { ZLoginRequest, ZRegisterRequest } from "../../shared/users.js";
import { requireUser } from "../http/authenticate.js";
import type { AuthService } from "./service.js";

export function authRoutes(auth: AuthService): Router {
  const router = Router();

  router.post("/auth/register", async (req, res) => {
    const input = parseOrThrow(ZRegisterRequest, req.body);
    res.status(201).json(await auth.register(input));
  });

  router.post("/auth/login", async (req, res) => {
    const input = parseOrThrow(ZLoginRequest, req.body);
    res.json(await auth.login(input));
  });

  router.post("/auth/logout", async (req, res) => {
    await auth.logout(requireUser(req));
    res.json({});
  });

  router.get("/me", (req, res) => {
    res.json({ user: requireUser(req) });
  });

  router.post("/me/selling", async (req, res) => {
    res.json(await auth.becomeSeller(requireUser(req)));
  });

  return router;
}
